package dev.sightline.web;

import jakarta.ws.rs.ApplicationPath;
import jakarta.ws.rs.core.Application;

/**
 * Jakarta REST at the root, so OpenAI clients use http://host:8080/v1 as their base URL.
 * Authentication (API keys, optionally MP-JWT bearer tokens) is {@link AuthFilter}'s.
 */
@ApplicationPath("/")
public class SightlineApplication extends Application {}
