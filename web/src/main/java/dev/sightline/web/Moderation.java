package dev.sightline.web;

import dev.sightline.moderation.Finding;
import dev.sightline.moderation.ModerationResult;
import dev.sightline.moderation.PiiEntity;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;
import java.util.Locale;

/** The moderation report clients receive: action, categories with severities, PII types (never the text). */
final class Moderation {
    private Moderation() {}

    static JsonObjectBuilder json(ModerationResult r) {
        JsonArrayBuilder cats = Json.createArrayBuilder();
        for (Finding f : r.findings()) {
            cats.add(Json.createObjectBuilder().add("code", f.category().name()).add("name", f.category().description).add("severity", f.severity()));
        }
        JsonArrayBuilder pii = Json.createArrayBuilder();
        r.pii().stream().map(PiiEntity::type).distinct().forEach(pii::add);
        return Json.createObjectBuilder().add("action", r.action().name().toLowerCase(Locale.ROOT)).add("categories", cats).add("pii", pii);
    }
}
