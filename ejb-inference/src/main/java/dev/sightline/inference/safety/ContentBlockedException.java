package dev.sightline.inference.safety;

/** Input moderation blocked the request: the engine is never called. */
public class ContentBlockedException extends RuntimeException {
    private final String requestId;
    private final String categories;

    public ContentBlockedException(String requestId, String categories, String message) {
        super(message);
        this.requestId = requestId;
        this.categories = categories;
    }

    public String requestId() {
        return requestId;
    }

    public String categories() {
        return categories;
    }
}
