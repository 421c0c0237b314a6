package dev.sightline.engine.tokenizer;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The processor's placeholder expansion (spec §7.4): the prompt is split at {@code <|image_N|>}
 * tags, every chunk is tokenised on its own with BOS (so text after an image starts with BOS, as in
 * the reference), and tag N becomes {@code numImgTokens[N-1]} copies of the id −N.
 *
 * <p>Unlike the reference, repeated or out-of-order tags are refused: the model assigns image
 * features by placeholder order, so such prompts would silently pair text with the wrong image.
 */
public final class PromptProcessor {
    private static final Pattern IMAGE_TAG = Pattern.compile("<\\|image_(\\d+)\\|>");

    private final Tokenizer tokenizer;

    public PromptProcessor(Tokenizer tokenizer) {
        this.tokenizer = tokenizer;
    }

    /** The image numbers of the tags, in prompt order (validated against the image count). */
    public static List<Integer> imageTags(String prompt, int numImages) {
        List<Integer> tags = new ArrayList<>();
        Matcher m = IMAGE_TAG.matcher(prompt);
        while (m.find()) {
            int n;
            try {
                n = Integer.parseInt(m.group(1));
            } catch (NumberFormatException e) {
                throw new PromptException("image tag " + m.group() + " is out of range");
            }
            tags.add(n);
        }
        for (int i = 0; i < tags.size(); i++) {
            if (tags.get(i) != i + 1) {
                throw new PromptException("image tags must be <|image_1|> … <|image_n|>, each once and in order; found "
                        + tags.stream().map(t -> "<|image_" + t + "|>").toList());
            }
        }
        if (tags.size() != numImages) {
            throw new PromptException("the prompt has " + tags.size() + " image tag(s) but " + numImages + " image(s) were given");
        }
        return tags;
    }

    /** Token ids with negative placeholders. numImgTokens[j] is the token count of image j+1. */
    public int[] expand(String prompt, int[] numImgTokens) {
        List<Integer> tags = imageTags(prompt, numImgTokens.length);
        String[] chunks = IMAGE_TAG.split(prompt, -1);
        List<Integer> ids = new ArrayList<>();
        for (int c = 0; c < chunks.length; c++) {
            ids.addAll(tokenizer.encode(chunks[c], true));
            if (c < tags.size()) {
                int image = tags.get(c);
                for (int k = 0; k < numImgTokens[image - 1]; k++) ids.add(-image);
            }
        }
        return ids.stream().mapToInt(Integer::intValue).toArray();
    }
}
