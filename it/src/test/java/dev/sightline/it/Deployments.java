package dev.sightline.it;

import java.io.File;
import org.jboss.shrinkwrap.api.ShrinkWrap;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;

/** The real EAR as built by the ear module (copied into target/ by this module's build). */
final class Deployments {
    static EnterpriseArchive ear() {
        File ear = new File(System.getProperty("sightline.ear", "target/sightline.ear"));
        if (!ear.isFile()) throw new IllegalStateException("EAR not found at " + ear + "; build with mvn verify from the root");
        return ShrinkWrap.createFromZipFile(EnterpriseArchive.class, ear);
    }

    private Deployments() {}
}
