package org.semivim.data.split;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.semivim.data.io.DatasetFormatException;
import org.semivim.data.io.FashionMnist;
import org.semivim.data.io.GeneratedDataset;
import org.semivim.data.io.ImageDataset;

class SplitFilesTest {
    @TempDir Path dir;

    private final ImageDataset data = GeneratedDataset.create(1, 4, 60, 8);
    private final SplitProtocol tiny = SplitProtocol.a("tiny", 4, 5, 20, 10, 30, 10);

    @Test
    void saveAndReloadGiveTheSameSplit() throws IOException {
        LongTailSplit s = LongTailSplitter.split(data, tiny, 17);
        Path f = dir.resolve("splits/tiny.json");
        SplitFiles.save(s, f);
        LongTailSplit back = SplitFiles.load(f);
        assertEquals(s, back);
        back.requireDrawnFrom(data);
        assertTrue(Files.readString(f).contains("\"id\" : \"" + s.id() + "\""));
    }

    @Test
    void idDependsOnProtocolParametersAndSeedOnly() {
        String id = LongTailSplit.idOf(tiny, 17);
        assertEquals(16, id.length());
        assertEquals(id, LongTailSplit.idOf(SplitProtocol.a("tiny", 4, 5, 20, 10, 30, 10), 17));
        assertNotEquals(id, LongTailSplit.idOf(tiny, 18));
        assertNotEquals(id, LongTailSplit.idOf(SplitProtocol.a("tiny", 4, 5, 20, 10, 30, -10), 17));
        assertNotEquals(id, LongTailSplit.idOf(SplitProtocol.a("tiny", 4, 6, 20, 10, 30, 10), 17));
        assertNotEquals(LongTailSplit.idOf(SplitProtocol.b(1), 0), LongTailSplit.idOf(SplitProtocol.b(5), 0));
    }

    @Test
    void editedOrDamagedFilesAreRejected() throws IOException {
        LongTailSplit s = LongTailSplitter.split(data, tiny, 17);
        Path f = dir.resolve("s.json");
        SplitFiles.save(s, f);
        String json = Files.readString(f);

        Files.writeString(f, json.replace("\"seed\" : 17", "\"seed\" : 18"));
        DatasetFormatException e = assertThrows(DatasetFormatException.class, () -> SplitFiles.load(f));
        assertTrue(e.getMessage().contains("s.json") && e.getMessage().contains("does not match"), e.getMessage());

        int first = s.labeled()[0];
        int second = s.labeled()[1];
        Files.writeString(f, json.replaceFirst("\"labeled\" : \\[ " + first + ", " + second, "\"labeled\" : [ " + first + ", " + first));
        e = assertThrows(DatasetFormatException.class, () -> SplitFiles.load(f));
        assertTrue(e.getMessage().contains("appears twice"), e.getMessage());

        Files.writeString(f, json.substring(0, json.length() / 2));
        assertThrows(DatasetFormatException.class, () -> SplitFiles.load(f));
    }

    @Test
    void aSplitRefusesOtherData() {
        LongTailSplit s = LongTailSplitter.split(data, tiny, 17);
        ImageDataset other = GeneratedDataset.create(1, 4, 61, 8);
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> s.requireDrawnFrom(other));
        assertTrue(e.getMessage().contains("labels digest"), e.getMessage());
    }

    @Test
    void realFashionMnistA1AndB5() throws IOException {
        Path d = FashionMnist.defaultDirectory();
        assumeTrue(FashionMnist.isPresent(d), "Fashion-MNIST not found in " + d + ": skipping the real-data split test");
        ImageDataset train = FashionMnist.loadTrain(d, FashionMnist.Md5Check.SKIP);
        LongTailSplit a1 = LongTailSplitter.split(train, SplitProtocol.a1(SplitProtocol.UnlabeledProfile.CONSISTENT), 0);
        a1.requireDrawnFrom(train);
        int[] labels = train.labels();
        assertArrayEquals(new int[] {1500, 899, 539, 323, 193, 116, 69, 41, 25, 15}, LongTailSplit.perClass(a1.labeled(), labels, 10));
        assertArrayEquals(new int[] {3000, 1798, 1078, 646, 387, 232, 139, 83, 50, 30}, LongTailSplit.perClass(a1.unlabeled(), labels, 10));
        LongTailSplit b5 = LongTailSplitter.split(train, SplitProtocol.b(5), 0);
        assertArrayEquals(new int[] {250, 150, 90, 54, 32, 19, 12, 7, 4, 3}, LongTailSplit.perClass(b5.labeled(), labels, 10));
        assertEquals(5000, b5.validation().length);
    }
}
