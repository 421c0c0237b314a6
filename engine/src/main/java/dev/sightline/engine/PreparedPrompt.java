package dev.sightline.engine;

import dev.sightline.engine.image.ProcessedImage;
import java.util.List;

/** A prompt ready for the model: ids with negative placeholders and the processed images. */
public record PreparedPrompt(String prompt, int[] inputIds, List<ProcessedImage> images) {
    public int[] numImgTokens() {
        return images.stream().mapToInt(ProcessedImage::numImgTokens).toArray();
    }

    /** [[H', W'], …] as the reference's image_sizes. */
    public int[][] imageSizes() {
        return images.stream().map(i -> new int[] {i.hdHeight(), i.hdWidth()}).toArray(int[][]::new);
    }
}
