package dev.sightline.inference;

import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import javax.imageio.spi.IIORegistry;
import java.util.HashSet;
import java.util.Set;

/**
 * ImageIO's plugin registry is one per JVM, but our plugins (TwelveMonkeys' JPEG reader) come
 * from this application's class loader: register them when the application starts and remove
 * them when it stops, so a redeployment never meets readers from a closed class loader.
 */
@Singleton
@Startup
public class ImageIoPlugins {
    @PostConstruct
    void register() {
        ImageIO.scanForPlugins();
    }

    @PreDestroy
    void deregister() {
        // This application's loaders: the EJB module's and its ancestors up to (not including) the JDK's
        // (plugins such as jai-imageio come from the EAR's lib loader, a parent of ours).
        Set<ClassLoader> ours = new HashSet<>();
        ClassLoader jdk = ClassLoader.getPlatformClassLoader();
        for (ClassLoader l = getClass().getClassLoader(); l != null && l != jdk && l != ClassLoader.getSystemClassLoader(); l = l.getParent()) ours.add(l);
        IIORegistry registry = IIORegistry.getDefaultInstance();
        Iterator<Class<?>> categories = registry.getCategories();
        while (categories.hasNext()) {
            Class<?> category = categories.next();
            List<Object> mine = new ArrayList<>();
            registry.getServiceProviders(category, false).forEachRemaining(p -> {
                if (ours.contains(p.getClass().getClassLoader())) mine.add(p);
            });
            mine.forEach(registry::deregisterServiceProvider);
        }
    }
}
