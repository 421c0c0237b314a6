package dev.sightline.faceblur;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.zip.CRC32;
import java.util.zip.Deflater;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

/** The orientation is read from the EXIF block alone; other metadata is never expanded. */
class OrientationTest {
    static final byte[] TIFF_ORIENTATION_6 = {'I', 'I', 42, 0, 8, 0, 0, 0, 1, 0, 0x12, 0x01, 3, 0, 1, 0, 0, 0, 6, 0, 0, 0, 0, 0, 0, 0};

    /** A 1×1 PNG with the given chunks inserted before IEND. */
    static byte[] png(byte[]... chunks) throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ImageIO.write(new BufferedImage(1, 1, BufferedImage.TYPE_INT_RGB), "png", out);
        byte[] png = out.toByteArray();
        ByteArrayOutputStream r = new ByteArrayOutputStream();
        r.write(png, 0, png.length - 12);
        for (byte[] c : chunks) r.write(c);
        r.write(png, png.length - 12, 12);
        return r.toByteArray();
    }

    static byte[] chunk(String type, byte[] data) {
        ByteBuffer b = ByteBuffer.allocate(12 + data.length);
        b.putInt(data.length).put(type.getBytes(StandardCharsets.US_ASCII)).put(data);
        CRC32 crc = new CRC32();
        crc.update(b.array(), 4, 4 + data.length);
        b.putInt((int) crc.getValue());
        return b.array();
    }

    /** A zTXt chunk whose text inflates to {@code bytes} bytes (a few hundred kilobytes compressed). */
    static byte[] zTxtBomb(int bytes) {
        Deflater d = new Deflater(Deflater.BEST_COMPRESSION);
        d.setInput(new byte[bytes]);
        d.finish();
        ByteArrayOutputStream z = new ByteArrayOutputStream();
        z.writeBytes("Comment\0\0".getBytes(StandardCharsets.ISO_8859_1));
        byte[] buf = new byte[1 << 16];
        while (!d.finished()) z.write(buf, 0, d.deflate(buf));
        return chunk("zTXt", z.toByteArray());
    }

    @Test
    void aPngsExifChunkIsRead() throws Exception {
        assertEquals(6, Orientation.of(png(chunk("eXIf", TIFF_ORIENTATION_6))));
        assertEquals(1, Orientation.of(png()));
    }

    @Test
    void aCompressedTextChunkIsNeverInflated() throws Exception {
        byte[] bomb = png(zTxtBomb(256 << 20), chunk("eXIf", TIFF_ORIENTATION_6));
        assertTrue(bomb.length < 1 << 20, "the bomb is small: " + bomb.length);
        var threads = (com.sun.management.ThreadMXBean) ManagementFactory.getThreadMXBean();
        long before = threads.getCurrentThreadAllocatedBytes();
        assertEquals(6, Orientation.of(bomb));
        long allocated = threads.getCurrentThreadAllocatedBytes() - before;
        assertTrue(allocated < 16 << 20, "reading the orientation allocated " + allocated + " bytes");
    }
}
