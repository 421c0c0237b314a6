package dev.sightline.web;

import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.net.URISyntaxException;

/**
 * Which remote image URLs may be fetched. An allow-list entry such as
 * {@code https://img.example.com/photos/} admits a URL only with the same scheme, the same host
 * (exactly: {@code img.example.com.evil.tld} is another host), the same port (the scheme's default
 * when none is written) and a normalised path under the entry's path. A host that resolves to a
 * loopback, link-local, private, unique-local, wildcard or multicast address is refused unless
 * private addresses are allowed explicitly (an image server on the internal network).
 */
public final class ImageUrlPolicy {
    private record Entry(String scheme, String host, int port, String path) {}

    private final List<Entry> entries;
    private final boolean allowPrivate;

    public ImageUrlPolicy(String allowList, boolean allowPrivate) {
        this.entries = Arrays.stream(allowList == null ? new String[0] : allowList.split(","))
                .map(String::trim).filter(s -> !s.isEmpty()).map(ImageUrlPolicy::entry).flatMap(Optional::stream).toList();
        this.allowPrivate = allowPrivate;
    }

    private static Optional<Entry> entry(String s) {
        return parse(s).map(u -> {
            String path = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
            return new Entry(u.getScheme().toLowerCase(Locale.ROOT), u.getHost().toLowerCase(Locale.ROOT), port(u), path);
        });
    }

    private static Optional<URI> parse(String s) {
        try {
            URI u = new URI(s).normalize();
            String scheme = u.getScheme() == null ? "" : u.getScheme().toLowerCase(Locale.ROOT);
            if (!scheme.equals("http") && !scheme.equals("https")) return Optional.empty();
            if (u.getHost() == null || u.getRawUserInfo() != null || u.getRawFragment() != null) return Optional.empty();
            if (u.getPath() != null && (u.getPath().contains("/../") || u.getPath().endsWith("/..") || u.getPath().startsWith("../"))) return Optional.empty();
            return Optional.of(u);
        } catch (URISyntaxException e) {
            return Optional.empty();
        }
    }

    private static int port(URI u) {
        return u.getPort() >= 0 ? u.getPort() : u.getScheme().equalsIgnoreCase("https") ? 443 : 80;
    }

    public boolean isEmpty() {
        return entries.isEmpty();
    }

    /** The normalised URL when an entry admits it, else empty (no name is resolved here). */
    public Optional<URI> admit(String url) {
        Optional<URI> parsed = parse(url);
        if (parsed.isEmpty()) return Optional.empty();
        URI u = parsed.get();
        String scheme = u.getScheme().toLowerCase(Locale.ROOT), host = u.getHost().toLowerCase(Locale.ROOT);
        String path = u.getPath() == null || u.getPath().isEmpty() ? "/" : u.getPath();
        for (Entry e : entries) {
            if (!e.scheme().equals(scheme) || !e.host().equals(host) || e.port() != port(u)) continue;
            if (path.equals(e.path()) || path.startsWith(e.path().endsWith("/") ? e.path() : e.path() + "/")) return Optional.of(u);
        }
        return Optional.empty();
    }

    /** Refuses (with the reason) a host whose addresses include an internal one, unless allowed. */
    public Optional<String> addressProblem(String host) {
        InetAddress[] all;
        try {
            all = InetAddress.getAllByName(host);
        } catch (UnknownHostException e) {
            return Optional.of("the image host does not resolve");
        }
        if (allowPrivate) return Optional.empty();
        for (InetAddress a : all) {
            if (internal(a)) return Optional.of("the image host resolves to an internal address (sightline.images.allow-private-addresses)");
        }
        return Optional.empty();
    }

    static boolean internal(InetAddress a) {
        byte[] b = a.getAddress();
        boolean uniqueLocal6 = b.length == 16 && (b[0] & 0xfe) == 0xfc;
        boolean sharedCgnat = b.length == 4 && (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
        return a.isLoopbackAddress() || a.isLinkLocalAddress() || a.isSiteLocalAddress() || a.isAnyLocalAddress()
                || a.isMulticastAddress() || uniqueLocal6 || sharedCgnat;
    }
}
