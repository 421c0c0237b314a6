package dev.sightline.moderation;

/** Input = the user's prompt (and text found in their images/documents); output = the model's answer. */
public enum Direction { INPUT, OUTPUT }
