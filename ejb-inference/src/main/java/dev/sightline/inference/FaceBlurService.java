package dev.sightline.inference;

import dev.sightline.engine.image.ImageDecoder;
import dev.sightline.engine.image.RgbImage;
import dev.sightline.faceblur.Anonymizer;
import dev.sightline.faceblur.FaceBlur;
import dev.sightline.faceblur.Orientation;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.ejb.ConcurrencyManagement;
import jakarta.ejb.ConcurrencyManagementType;
import jakarta.ejb.Singleton;
import jakarta.ejb.Startup;
import jakarta.inject.Inject;
import java.nio.file.Path;
import java.util.Optional;
import java.util.logging.Logger;
import org.eclipse.microprofile.config.inject.ConfigProperty;

/**
 * The face-anonymisation stage in the server: every uploaded image is decoded here and leaves
 * only anonymised. The original bytes and pixels are never stored, cached or logged.
 */
@Singleton
@Startup
@ConcurrencyManagement(ConcurrencyManagementType.BEAN)
public class FaceBlurService {
    private static final Logger LOG = Logger.getLogger(FaceBlurService.class.getName());

    @Inject
    @ConfigProperty(name = "sightline.face.model")
    Optional<String> model;

    @Inject
    @ConfigProperty(name = "sightline.face.threshold", defaultValue = "0.8")
    float threshold;

    @Inject
    @ConfigProperty(name = "sightline.face.mode", defaultValue = "gaussian")
    String mode;

    @Inject
    @ConfigProperty(name = "sightline.face.mask", defaultValue = "box")
    String mask;

    @Inject
    @ConfigProperty(name = "sightline.face.scale", defaultValue = "1.3")
    double scale;

    @Inject
    @ConfigProperty(name = "sightline.face.on-failure", defaultValue = "refuse")
    String onFailure;

    private FaceBlur stage;

    @PostConstruct
    void start() {
        Anonymizer anonymizer = new Anonymizer(Anonymizer.Mode.valueOf(mode.trim().toUpperCase()),
                Anonymizer.Mask.valueOf(mask.trim().toUpperCase()), scale);
        FaceBlur.FailurePolicy policy = onFailure.trim().equalsIgnoreCase("pass-through")
                ? FaceBlur.FailurePolicy.PASS_THROUGH : FaceBlur.FailurePolicy.REFUSE;
        Path path = model.filter(s -> !s.isBlank()).map(Path::of).orElse(null);
        stage = FaceBlur.create(path, anonymizer, threshold, policy);
        if (stage.available()) {
            LOG.info(() -> "Face anonymisation: " + stage.detectorName() + ", threshold " + threshold + ", " + mode + "/" + mask + " ×" + scale);
        } else if (policy == FaceBlur.FailurePolicy.PASS_THROUGH) {
            LOG.warning("Face anonymisation UNAVAILABLE and policy is pass-through: images reach the model unblurred");
        }
        this.policy = policy;
    }

    private FaceBlur.FailurePolicy policy;

    public boolean available() {
        return stage.available();
    }

    public String detectorName() {
        return stage.detectorName();
    }

    /** Decodes encoded image bytes and anonymises every face (fails closed per policy). */
    public AnonymizedImage anonymize(byte[] encoded) {
        if (!stage.available() && policy == FaceBlur.FailurePolicy.REFUSE) {
            throw new SafetyUnavailableException("images are refused: the configured face detector (sightline.face.model) "
                    + "could not be loaded; faces cannot be anonymised");
        }
        RgbImage img = ImageDecoder.decode(encoded);
        int orientation = Orientation.of(encoded);
        FaceBlur.Result r = stage.process(img.rgb(), img.width(), img.height(), orientation);
        return new AnonymizedImage(new RgbImage(r.width(), r.height(), r.rgb()), r.faces(), r.warning());
    }

    @PreDestroy
    void stop() {
        if (stage != null) stage.close();
    }
}
