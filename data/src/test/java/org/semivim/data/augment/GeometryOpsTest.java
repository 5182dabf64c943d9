package org.semivim.data.augment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class GeometryOpsTest {
    /** 4×4 with distinct values: v(x, y) = 10·y + x + 1. */
    private static final GrayImage G = GrayImage.of(new int[][] {
            {1, 2, 3, 4},
            {11, 12, 13, 14},
            {21, 22, 23, 24},
            {31, 32, 33, 34}});

    @Test
    void flipMirrorsRows() {
        assertArrayEquals(new int[][] {{4, 3, 2, 1}, {14, 13, 12, 11}, {24, 23, 22, 21}, {34, 33, 32, 31}},
                GeometryOps.flipHorizontal(G).toRows());
    }

    @Test
    void reflectPadCropDoesNotRepeatTheEdge() {
        assertEquals(G, GeometryOps.reflectPadCrop(G, 1, 1, 1), "centre crop is the identity");
        // top-left crop: row −1 reflects to row 1, column −1 to column 1
        assertArrayEquals(new int[][] {{12, 11, 12, 13}, {2, 1, 2, 3}, {12, 11, 12, 13}, {22, 21, 22, 23}},
                GeometryOps.reflectPadCrop(G, 1, 0, 0).toRows());
        // bottom-right crop: row 4 reflects to row 2, column 4 to column 2
        assertArrayEquals(new int[][] {{12, 13, 14, 13}, {22, 23, 24, 23}, {32, 33, 34, 33}, {22, 23, 24, 23}},
                GeometryOps.reflectPadCrop(G, 1, 2, 2).toRows());
        assertThrows(IllegalArgumentException.class, () -> GeometryOps.reflectPadCrop(G, 1, 3, 0));
    }

    @Test
    void quarterTurnsAreCounterClockwise() {
        int[][] rot90 = {{4, 14, 24, 34}, {3, 13, 23, 33}, {2, 12, 22, 32}, {1, 11, 21, 31}};
        int[][] rot180 = {{34, 33, 32, 31}, {24, 23, 22, 21}, {14, 13, 12, 11}, {4, 3, 2, 1}};
        int[][] rot270 = {{31, 21, 11, 1}, {32, 22, 12, 2}, {33, 23, 13, 3}, {34, 24, 14, 4}};
        assertArrayEquals(rot90, GeometryOps.rotate(G, 90).toRows());
        assertArrayEquals(rot180, GeometryOps.rotate(G, 180).toRows());
        assertArrayEquals(rot270, GeometryOps.rotate(G, 270).toRows());
        assertArrayEquals(rot270, GeometryOps.rotate(G, -90).toRows());
        assertEquals(G, GeometryOps.rotate(G, 0));
        assertEquals(G, GeometryOps.rotate(G, 360));
        // The general nearest-neighbour affine path with Pillow's matrix for 90° gives the same pixels.
        double cx = 2, cy = 2;  // (w/2, h/2); matrix for angle −90°: a = cos = 0, b = sin = −1, d = 1, e = 0
        GrayImage viaAffine = GeometryOps.affine(G, 0, -1, 0 * -cx + -1 * -cy + cx, 1, 0, 1 * -cx + 0 * -cy + cy);
        assertArrayEquals(rot90, viaAffine.toRows());
    }

    @Test
    void smallRotationOfACentredCrossIsNearestNeighbour() {
        // 5×5 image, centre (2.5, 2.5); a 3° rotation moves no pixel centre by more than half a pixel
        // within radius 2.5·sin(3°)·... ≈ 0.13 px, so the image is unchanged except for fill at the corners.
        int[][] rows = new int[5][5];
        for (int i = 0; i < 5; i++) rows[2][i] = rows[i][2] = 200;
        GrayImage cross = GrayImage.of(rows);
        assertEquals(cross, GeometryOps.rotate(cross, 3));
        assertEquals(cross, GeometryOps.rotate(cross, -3));
    }

    @Test
    void translateShowsTheShiftedInputWithBlackFill() {
        assertArrayEquals(new int[][] {{2, 3, 4, 0}, {12, 13, 14, 0}, {22, 23, 24, 0}, {32, 33, 34, 0}},
                GeometryOps.translateX(G, 1).toRows());
        assertArrayEquals(new int[][] {{0, 0, 0, 0}, {0, 0, 0, 0}, {1, 2, 3, 4}, {11, 12, 13, 14}},
                GeometryOps.translateY(G, -2).toRows());
        assertEquals(G, GeometryOps.translateX(G, 0));
    }

    @Test
    void shearXSamplesFloorOfXPlusShearTimesY() {
        // input x = floor(x + 0.5 + 0.5(y + 0.5)): offsets 0, 1, 1, 2 for rows 0..3
        assertArrayEquals(new int[][] {{1, 2, 3, 4}, {12, 13, 14, 0}, {22, 23, 24, 0}, {33, 34, 0, 0}},
                GeometryOps.shearX(G, 0.5).toRows());
        // negative shear: floor(x + 0.5 − 0.5(y + 0.5)): offsets 0, −1, −1, −2 (out of range → 0)
        assertArrayEquals(new int[][] {{1, 2, 3, 4}, {0, 11, 12, 13}, {0, 21, 22, 23}, {0, 0, 31, 32}},
                GeometryOps.shearX(G, -0.5).toRows());
        // ShearY 0.5: input y = floor(y + 0.5 + 0.5(x + 0.5)): offsets 0, 1, 1, 2 for columns 0..3
        assertArrayEquals(new int[][] {{1, 12, 13, 24}, {11, 22, 23, 34}, {21, 32, 33, 0}, {31, 0, 0, 0}},
                GeometryOps.shearY(G, 0.5).toRows());
    }

    @Test
    void cutoutIsAClippedSquareOfFill() {
        GrayImage black = GrayImage.blank(28, 28, 0);
        assertEquals(196, countFilled(GeometryOps.cutout(black, 14.0, 14.0, 14, 127), 7, 21, 7, 21));
        assertEquals(49, countFilled(GeometryOps.cutout(black, 0.5, 0.5, 14, 127), 0, 7, 0, 7));
        assertEquals(64, countFilled(GeometryOps.cutout(black, 27.9, 27.9, 14, 127), 20, 28, 20, 28));
        // centre (10.2, 27.0): x from floor(3.2) = 3 to 17, y from floor(20.0) = 20 to the border
        assertEquals(14 * 8, countFilled(GeometryOps.cutout(black, 10.2, 27.0, 14, 127), 3, 17, 20, 28));
    }

    /** Counts pixels equal to 127, and checks that they fill exactly [x0, x1) × [y0, y1). */
    private static int countFilled(GrayImage img, int x0, int x1, int y0, int y1) {
        int n = 0;
        for (int y = 0; y < img.height; y++) {
            for (int x = 0; x < img.width; x++) {
                boolean inside = x >= x0 && x < x1 && y >= y0 && y < y1;
                assertEquals(inside ? 127 : 0, img.get(x, y), "pixel (" + x + ", " + y + ")");
                if (inside) n++;
            }
        }
        assertTrue(n <= 196);
        return n;
    }

    @Test
    void pythonStyleRounding() {
        assertEquals(0.0, GeometryOps.round15(Math.cos(Math.toRadians(-90))));
        assertEquals(-1.0, GeometryOps.round15(Math.sin(Math.toRadians(-90))));
        assertEquals(0.5, GeometryOps.round15(0.5000000000000001));
    }
}
