package dev.sightline.web;

import dev.sightline.inference.safety.ModerationReport;
import jakarta.json.Json;
import jakarta.json.JsonArrayBuilder;
import jakarta.json.JsonObjectBuilder;

/** The moderation report clients receive: action, categories with severities, PII types (never the text). */
final class Moderation {
    private Moderation() {}

    static JsonObjectBuilder json(ModerationReport r) {
        JsonArrayBuilder cats = Json.createArrayBuilder();
        for (ModerationReport.Category c : r.categories()) {
            cats.add(Json.createObjectBuilder().add("code", c.code()).add("name", c.name()).add("severity", c.severity()));
        }
        JsonArrayBuilder pii = Json.createArrayBuilder();
        r.piiTypes().forEach(pii::add);
        return Json.createObjectBuilder().add("action", r.action()).add("categories", cats).add("pii", pii);
    }
}
