// Runs the project's CUDA kernels on the CPU (cuda_emu.h) from a script on stdin:
//   buf  <name> <count> <file|->      float buffer, contents from a raw little-endian float32 file or zeros
//   bufd <name> <count>               double buffer of zeros
//   bufb <name> <file>                byte buffer from a file
//   bufi <name> <count>               int buffer of zeros
//   launch <kernel> gx gy gz bx by shared <args...>   args: p:<buf>[+offset] i:<int> l:<long> f:<float> null
//   dump <name> <file>                buffer contents to a file (raw, native element type)
// and, for a persistent device (EmulatedRuntime: buffers live across many op calls), with byte offsets:
//   alloc <name> <bytes>              byte buffer of zeros (pointer offsets in bytes)
//   free <name>
//   upload <name> <byteOffset> <file>             file contents into the buffer
//   download <name> <byteOffset> <bytes> <file>   buffer bytes to a file
// Every command is answered with one line on stdout: "ok" or "error: <what>" (then the harness exits 1).
#include "cuda_emu.h"
#include "../../main/cuda/elementwise.cu"
#include "../../main/cuda/gemm.cu"
#include "../../main/cuda/norm.cu"
#include "../../main/cuda/conv.cu"
#include "../../main/cuda/scan.cu"
#include "../../main/cuda/scan_bwd.cu"
#include "../../main/cuda/loss.cu"
#include "../../main/cuda/attention.cu"
#include "../../main/cuda/optim.cu"

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>

struct Buffer { std::vector<unsigned char> bytes; size_t elem; };
static std::map<std::string, Buffer> buffers;

static std::vector<unsigned char> readFile(const std::string& f) {
    std::ifstream in(f, std::ios::binary);
    if (!in) throw std::runtime_error("cannot read " + f);
    return std::vector<unsigned char>((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

struct Args {
    std::vector<std::string> a;
    void* p(size_t i) const {
        const std::string& s = a.at(i);
        if (s == "null") return nullptr;
        if (s.rfind("p:", 0) != 0) throw std::runtime_error("argument " + std::to_string(i) + " is not a pointer: " + s);
        std::string name = s.substr(2);
        long long off = 0;
        size_t plus = name.find('+');
        if (plus != std::string::npos) { off = std::stoll(name.substr(plus + 1)); name = name.substr(0, plus); }
        Buffer& b = buffers.at(name);
        return b.bytes.data() + off * b.elem;
    }
    float* f(size_t i) const { return (float*)p(i); }
    double* d(size_t i) const { return (double*)p(i); }
    int* ip(size_t i) const { return (int*)p(i); }
    unsigned char* b(size_t i) const { return (unsigned char*)p(i); }
    int i(size_t k) const { return (int)std::stol(val(k, "i:")); }
    long long l(size_t k) const { return std::stoll(val(k, "l:")); }
    float fl(size_t k) const { return std::strtof(val(k, "f:").c_str(), nullptr); }
    std::string val(size_t k, const char* tag) const {
        const std::string& s = a.at(k);
        if (s.rfind(tag, 0) != 0) throw std::runtime_error("argument " + std::to_string(k) + " should be " + tag + " but is " + s);
        return s.substr(2);
    }
};

static std::function<void()> kernel(const std::string& n, const Args& A) {
#define K(name, call) if (n == #name) return [=] { call; };
    K(silu_fwd, silu_fwd(A.f(0), A.f(1), A.l(2)))
    K(silu_bwd, silu_bwd(A.f(0), A.f(1), A.f(2), A.l(3)))
    K(gelu_fwd, gelu_fwd(A.f(0), A.f(1), A.l(2)))
    K(gelu_bwd, gelu_bwd(A.f(0), A.f(1), A.f(2), A.l(3)))
    K(softplus_fwd, softplus_fwd(A.f(0), A.f(1), A.l(2)))
    K(softplus_bwd, softplus_bwd(A.f(0), A.f(1), A.f(2), A.l(3)))
    K(add_inplace, add_inplace(A.f(0), A.f(1), A.l(2)))
    K(sgemm_tiled, sgemm_tiled(A.i(0), A.i(1), A.i(2), A.i(3), A.i(4), A.fl(5), A.f(6), A.i(7), A.l(8), A.f(9), A.i(10), A.l(11),
                               A.fl(12), A.f(13), A.i(14), A.l(15)))
    K(rmsnorm_fwd, rmsnorm_fwd(A.f(0), A.f(1), A.fl(2), A.f(3), A.f(4), A.i(5), A.i(6)))
    K(rmsnorm_bwd_dx, rmsnorm_bwd_dx(A.f(0), A.f(1), A.f(2), A.f(3), A.f(4), A.i(5), A.i(6)))
    K(rmsnorm_bwd_dw, rmsnorm_bwd_dw(A.f(0), A.f(1), A.f(2), A.f(3), A.i(4), A.i(5), A.i(6)))
    K(layernorm_fwd, layernorm_fwd(A.f(0), A.f(1), A.f(2), A.fl(3), A.f(4), A.f(5), A.f(6), A.i(7), A.i(8)))
    K(layernorm_bwd_dx, layernorm_bwd_dx(A.f(0), A.f(1), A.f(2), A.f(3), A.f(4), A.f(5), A.i(6), A.i(7)))
    K(layernorm_bwd_dwdb, layernorm_bwd_dwdb(A.f(0), A.f(1), A.f(2), A.f(3), A.f(4), A.f(5), A.i(6), A.i(7), A.i(8)))
    K(dwconv1d_fwd, dwconv1d_fwd(A.f(0), A.f(1), A.f(2), A.i(3), A.f(4), A.i(5), A.i(6), A.i(7), A.i(8)))
    K(dwconv1d_bwd_dx, dwconv1d_bwd_dx(A.f(0), A.i(1), A.f(2), A.f(3), A.i(4), A.i(5), A.i(6), A.i(7)))
    K(dwconv1d_bwd_dwdb, dwconv1d_bwd_dwdb(A.f(0), A.i(1), A.f(2), A.f(3), A.f(4), A.i(5), A.i(6), A.i(7), A.i(8), A.i(9)))
    K(patchify, patchify(A.f(0), A.f(1), A.i(2), A.i(3), A.i(4), A.i(5), A.i(6), A.i(7), A.i(8), A.i(9)))
    K(unpatchify_acc, unpatchify_acc(A.f(0), A.f(1), A.i(2), A.i(3), A.i(4), A.i(5), A.i(6), A.i(7), A.i(8), A.i(9)))
    K(scan_fwd, scan_fwd(A.f(0), A.f(1), A.f(2), A.f(3), A.f(4), A.f(5), A.f(6), A.f(7), A.i(8), A.f(9), A.f(10),
                         A.i(11), A.i(12), A.i(13), A.i(14), A.i(15)))
    K(scan_bwd, scan_bwd(A.f(0), A.f(1), A.f(2), A.f(3), A.f(4), A.f(5), A.f(6), A.f(7), A.i(8), A.f(9), A.f(10),
                         A.f(11), A.f(12), A.f(13), A.f(14), A.f(15), A.f(16), A.f(17), A.f(18), A.f(19),
                         A.i(20), A.i(21), A.i(22), A.i(23), A.i(24)))
    K(softmax_xent, softmax_xent(A.f(0), A.f(1), A.f(2), A.f(3), A.d(4), A.i(5), A.i(6)))
    K(masked_mse, masked_mse(A.f(0), A.f(1), A.f(2), A.f(3), A.d(4), A.i(5), A.i(6), A.fl(7)))
    K(softmax_rows, softmax_rows(A.f(0), A.i(1), A.i(2), A.fl(3)))
    K(softmax_rows_bwd, softmax_rows_bwd(A.f(0), A.f(1), A.i(2), A.i(3), A.fl(4)))
    K(softmax_rows_masked, softmax_rows_masked(A.f(0), A.b(1), A.i(2), A.i(3), A.i(4), A.fl(5)))
    K(adamw_moments, adamw_moments(A.f(0), A.f(1), A.f(2), A.f(3), A.b(4), A.l(5), A.fl(6), A.fl(7), A.fl(8), A.fl(9), A.fl(10), A.fl(11), A.fl(12)))
    K(adamw_apply, adamw_apply(A.f(0), A.f(1), A.f(2), A.b(3), A.l(4), A.fl(5), A.fl(6)))
    K(ema_update, ema_update(A.f(0), A.f(1), A.l(2), A.fl(3), A.fl(4)))
    K(any_nonfinite, any_nonfinite(A.f(0), A.l(1), A.ip(2)))
    K(lyap_student, lyap_student(A.f(0), A.f(1), A.f(2), A.b(3), A.l(4), A.fl(5), A.i(6), A.i(7), A.d(8)))
    K(lyap_teacher, lyap_teacher(A.f(0), A.f(1), A.f(2), A.b(3), A.l(4), A.fl(5), A.fl(6), A.d(7), A.ip(8)))
#undef K
    throw std::runtime_error("unknown kernel " + n);
}

int main() {
    std::string line;
    int lineNo = 0;
    try {
        while (std::getline(std::cin, line)) {
            lineNo++;
            std::istringstream in(line);
            std::string cmd;
            if (!(in >> cmd) || cmd[0] == '#') continue;
            if (cmd == "buf" || cmd == "bufd" || cmd == "bufi") {
                std::string name, file;
                long long count;
                in >> name >> count;
                size_t elem = cmd == "bufd" ? 8 : 4;
                Buffer b{std::vector<unsigned char>(count * elem + 16, 0), elem};
                if (cmd == "buf" && (in >> file) && file != "-") {
                    auto data = readFile(file);
                    if ((long long)data.size() != count * 4) throw std::runtime_error("file " + file + " has the wrong size");
                    std::memcpy(b.bytes.data(), data.data(), data.size());
                }
                buffers[name] = std::move(b);
            } else if (cmd == "bufb") {
                std::string name, file;
                in >> name >> file;
                auto data = readFile(file);
                data.resize(data.size() + 16, 0);
                buffers[name] = Buffer{data, 1};
            } else if (cmd == "launch") {
                std::string name;
                sv_dim3 g, b;
                size_t shared;
                in >> name >> g.x >> g.y >> g.z >> b.x >> b.y >> shared;
                Args args;
                std::string a;
                while (in >> a) args.a.push_back(a);
                sv_launch(g, b, shared, kernel(name, args));
            } else if (cmd == "alloc") {
                std::string name;
                long long bytes;
                in >> name >> bytes;
                buffers[name] = Buffer{std::vector<unsigned char>(bytes + 16, 0), 1};
            } else if (cmd == "free") {
                std::string name;
                in >> name;
                if (buffers.erase(name) != 1) throw std::runtime_error("free of unknown buffer " + name);
            } else if (cmd == "upload") {
                std::string name, file;
                long long off;
                in >> name >> off >> file;
                Buffer& b = buffers.at(name);
                auto data = readFile(file);
                if (off < 0 || off + (long long)data.size() > (long long)b.bytes.size() - 16) throw std::runtime_error("upload out of bounds");
                std::memcpy(b.bytes.data() + off, data.data(), data.size());
            } else if (cmd == "download") {
                std::string name, file;
                long long off, bytes;
                in >> name >> off >> bytes >> file;
                Buffer& b = buffers.at(name);
                if (off < 0 || off + bytes > (long long)b.bytes.size() - 16) throw std::runtime_error("download out of bounds");
                std::ofstream out(file, std::ios::binary);
                out.write((const char*)b.bytes.data() + off, bytes);
            } else if (cmd == "dump") {
                std::string name, file;
                in >> name >> file;
                Buffer& b = buffers.at(name);
                std::ofstream out(file, std::ios::binary);
                out.write((const char*)b.bytes.data(), b.bytes.size() - 16);
            } else {
                throw std::runtime_error("unknown command " + cmd);
            }
            std::cout << "ok" << std::endl;
        }
    } catch (const std::exception& e) {
        std::cerr << "line " << lineNo << ": " << e.what() << "\n";
        std::cout << "error: line " << lineNo << ": " << e.what() << std::endl;
        return 1;
    }
    return 0;
}
