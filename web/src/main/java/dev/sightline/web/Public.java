package dev.sightline.web;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * A resource (class or method) that answers without credentials. Everything else needs a Bearer
 * credential: {@link AuthFilter} decides by the resource a request was routed to, never by how its
 * path is spelled.
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ElementType.TYPE, ElementType.METHOD})
public @interface Public {}
