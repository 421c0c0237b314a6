package dev.sightline.inference.safety;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.Index;
import jakarta.persistence.Table;
import java.time.Instant;

/** A user's thumbs up/down (and optional comment) on one answer, tied to its request id. */
@Entity
@Table(name = "SIGHTLINE_FEEDBACK", indexes = @Index(columnList = "requestId"))
public class Feedback {
    @Id
    @GeneratedValue
    public Long id;

    @Column(nullable = false, length = 64)
    public String requestId;

    @Column(nullable = false)
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
