package org.semivim.actors.serialization;

import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * JSON-like values (the method fields of a step record, a method's state) on the wire, exactly:
 * a tag byte, then the value. Doubles and floats travel as their bits (NaN and infinities included),
 * so a LyapEMA state survives a trip bit for bit. Maps keep their order.
 */
final class JsonValues {
    private static final byte NULL = 0, BOOLEAN = 1, INT = 2, LONG = 3, FLOAT = 4, DOUBLE = 5, STRING = 6, MAP = 7, LIST = 8;

    private JsonValues() {}

    static void writeMap(Output out, Map<String, ?> map) {
        out.writeVarInt(map.size(), true);
        for (Map.Entry<String, ?> e : map.entrySet()) {
            out.writeString(e.getKey());
            write(out, e.getValue());
        }
    }

    static Map<String, Object> readMap(Input in) {
        int n = in.readVarInt(true);
        Map<String, Object> map = new LinkedHashMap<>();
        for (int i = 0; i < n; i++) map.put(in.readString(), read(in));
        return map;
    }

    @SuppressWarnings("unchecked")
    static void write(Output out, Object v) {
        if (v == null) {
            out.writeByte(NULL);
        } else if (v instanceof Boolean b) {
            out.writeByte(BOOLEAN);
            out.writeBoolean(b);
        } else if (v instanceof Integer i) {
            out.writeByte(INT);
            out.writeInt(i);
        } else if (v instanceof Long l) {
            out.writeByte(LONG);
            out.writeLong(l);
        } else if (v instanceof Float f) {
            out.writeByte(FLOAT);
            out.writeInt(Float.floatToRawIntBits(f));
        } else if (v instanceof Double d) {
            out.writeByte(DOUBLE);
            out.writeLong(Double.doubleToRawLongBits(d));
        } else if (v instanceof String s) {
            out.writeByte(STRING);
            out.writeString(s);
        } else if (v instanceof Map<?, ?> m) {
            for (Object k : m.keySet()) {
                if (!(k instanceof String)) throw new IllegalArgumentException("JSON map key is not a string: " + k);
            }
            out.writeByte(MAP);
            writeMap(out, (Map<String, ?>) m);
        } else if (v instanceof List<?> list) {
            out.writeByte(LIST);
            out.writeVarInt(list.size(), true);
            for (Object o : list) write(out, o);
        } else {
            throw new IllegalArgumentException("value of class " + v.getClass().getName() + " is not a JSON value (null, boolean, number, string, map, list)");
        }
    }

    static Object read(Input in) {
        byte tag = in.readByte();
        return switch (tag) {
            case NULL -> null;
            case BOOLEAN -> in.readBoolean();
            case INT -> in.readInt();
            case LONG -> in.readLong();
            case FLOAT -> Float.intBitsToFloat(in.readInt());
            case DOUBLE -> Double.longBitsToDouble(in.readLong());
            case STRING -> in.readString();
            case MAP -> readMap(in);
            case LIST -> {
                int n = in.readVarInt(true);
                List<Object> list = new ArrayList<>(n);
                for (int i = 0; i < n; i++) list.add(read(in));
                yield list;
            }
            default -> throw new IllegalArgumentException("unknown JSON value tag " + tag + " on the wire");
        };
    }
}
