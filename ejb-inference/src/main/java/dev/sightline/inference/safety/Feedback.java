package dev.sightline.inference.safety;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Table;
import jakarta.persistence.TableGenerator;
import java.time.Instant;

/** A user's thumbs up/down (and optional comment) on one answer, tied to its request id. */
@Entity
@Table(name = "sightline_feedback")
public class Feedback {
    @Id
    @TableGenerator(name = "feedback_ids", table = "sightline_ids", pkColumnName = "name", valueColumnName = "next_id",
            pkColumnValue = "feedback", allocationSize = 50)
    @GeneratedValue(strategy = GenerationType.TABLE, generator = "feedback_ids")
    public Long id;

    @Column(name = "request_id", nullable = false, length = 64)
    public String requestId;

    @Column(name = "created_at", nullable = false)
    public Instant at;

    /** Who gave it: a caller reads only its own feedback. */
    @Column(length = 96)
    public String caller;

    /** +1 or -1 */
    @Column(nullable = false)
    public int rating;

    @Column(length = 2000)
    public String comment;
}
