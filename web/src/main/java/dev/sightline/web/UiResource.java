package dev.sightline.web;

import jakarta.servlet.ServletContext;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.NotFoundException;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.PathParam;
import jakarta.ws.rs.core.Context;
import jakarta.ws.rs.core.Response;
import java.io.InputStream;
import java.util.Map;
import org.eclipse.microprofile.openapi.annotations.Operation;

/** The browser UI: a static page and its assets from WEB-INF/ui (no authentication: it holds no data). */
@Path("")
@Public
public class UiResource {
    private static final Map<String, String> TYPES = Map.of("html", "text/html; charset=utf-8", "js", "text/javascript; charset=utf-8",
            "css", "text/css; charset=utf-8", "svg", "image/svg+xml");

    @Context
    ServletContext servlet;

    @GET
    @Operation(hidden = true)
    public Response index() {
        return file("index.html");
    }

    @GET
    @Path("ui/{file}")
    @Operation(hidden = true)
    public Response asset(@PathParam("file") String name) {
        if (!name.matches("[a-z0-9-]+\\.(?:js|css|svg|html)")) throw new NotFoundException();
        return file(name);
    }

    private Response file(String name) {
        InputStream in = servlet.getResourceAsStream("/WEB-INF/ui/" + name);
        if (in == null) throw new NotFoundException();
        return Response.ok(in, TYPES.get(name.substring(name.lastIndexOf('.') + 1)))
                .header("Content-Security-Policy", "default-src 'self'; img-src 'self' data: blob:; style-src 'self'; script-src 'self'")
                .header("X-Content-Type-Options", "nosniff")
                .build();
    }
}
