package dev.sightline.moderation;

/**
 * The taxonomy: Llama Guard 3's hazards S1–S13 plus Sightline's service codes for a vision model
 * (V1 identifying people, V2 inferring sensitive attributes from images, J1 jailbreaks and prompt
 * injection, including instructions hidden in image or document text).
 */
public enum Category {
    S1("violent crimes"),
    S2("non-violent crimes"),
    S3("sex-related crimes"),
    S4("child sexual exploitation"),
    S5("defamation"),
    S6("specialized advice"),
    S7("privacy"),
    S8("intellectual property"),
    S9("indiscriminate weapons"),
    S10("hate"),
    S11("suicide and self-harm"),
    S12("sexual content"),
    S13("elections"),
    V1("identifying a person"),
    V2("inferring sensitive attributes"),
    J1("jailbreak or prompt injection"),
    PII("personal data");

    public final String description;

    Category(String description) {
        this.description = description;
    }
}
