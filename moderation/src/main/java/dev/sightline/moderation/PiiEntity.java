package dev.sightline.moderation;

/** A span of personal data, with Presidio's entity names (EMAIL_ADDRESS, PHONE_NUMBER, …). */
public record PiiEntity(String type, int start, int end, double score) {}
