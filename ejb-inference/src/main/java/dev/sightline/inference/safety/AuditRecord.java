package dev.sightline.inference.safety;

import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.GeneratedValue;
import jakarta.persistence.Id;
import jakarta.persistence.GenerationType;
import jakarta.persistence.Table;
import jakarta.persistence.TableGenerator;
import java.time.Instant;

/** One moderation decision. Holds categories, severities, actions and PII types — never the text, unless configured. */
@Entity
@Table(name = "sightline_audit")
public class AuditRecord {
    @Id
    @TableGenerator(name = "audit_ids", table = "sightline_ids", pkColumnName = "name", valueColumnName = "next_id",
            pkColumnValue = "audit", allocationSize = 50)
    @GeneratedValue(strategy = GenerationType.TABLE, generator = "audit_ids")
    public Long id;

    @Column(name = "request_id", nullable = false, length = 64)
    public String requestId;

    @Column(name = "created_at", nullable = false)
    public Instant at;

    /** Who sent the request (an API key's fingerprint or a token's subject); on the input row. */
    @Column(length = 96)
    public String caller;

    /** input, output, image-text … */
    @Column(nullable = false, length = 16)
    public String direction;

    @Column(nullable = false, length = 8)
    public String action;

    /** e.g. "S1:6,V1:6" */
    @Column(length = 512)
    public String categories;

    /** e.g. "EMAIL_ADDRESS,PHONE_NUMBER" */
    @Column(name = "pii_types", length = 512)
    public String piiTypes;

    /** Only when sightline.moderation.audit.include-text=true. */
    @Column(name = "audit_text", length = 8000)
    public String text;
}
