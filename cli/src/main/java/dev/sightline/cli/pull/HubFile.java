package dev.sightline.cli.pull;

/**
 * One file of a model repository as the Hub lists it: its path, size and the checksum to verify it
 * by (the SHA-256 of an LFS file's content; for a small file kept in git, the git blob id).
 */
public record HubFile(String path, long size, String sha256, String gitBlobId) {}
