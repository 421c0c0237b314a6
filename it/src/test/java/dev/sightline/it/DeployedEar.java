package dev.sightline.it;

import java.time.Duration;
import org.jboss.arquillian.container.test.api.Deployment;
import org.jboss.arquillian.junit5.ArquillianExtension;
import org.jboss.shrinkwrap.api.spec.EnterpriseArchive;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.extension.ExtendWith;

/** Every integration test class: the real EAR deployed to the managed Payara, called over HTTP once the model is loaded. */
@ExtendWith(ArquillianExtension.class)
abstract class DeployedEar {
    @Deployment(testable = false)
    static EnterpriseArchive ear() {
        return Deployments.ear();
    }

    @BeforeEach
    void awaitModel() throws Exception {
        Http.awaitReady(Duration.ofMinutes(2));
    }
}
