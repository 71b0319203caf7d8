package dev.lookupkeeper.http;

import dev.lookupkeeper.config.ConfigException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;

/**
 * The bearer token /v1/* requires when one is configured. Only its SHA-256 digest is kept, so the
 * token itself is in no field a log line, heap dump or exception could print; a request's token is
 * hashed the same way and the digests compared in constant time.
 */
public final class BearerToken {
    static final int MIN_LENGTH = 16;
    private final byte[] digest;

    private BearerToken(String token) {
        this.digest = sha256(token);
    }

    /** From a file (its first line), or else from the environment's value; null when neither is given. */
    public static BearerToken load(Path file, String environmentValue) {
        String token;
        String where;
        if (file != null) {
            try {
                token = Files.readString(file, StandardCharsets.UTF_8).lines().findFirst().orElse("").trim();
            } catch (IOException e) {
                throw new ConfigException("cannot read --http-token-file " + file + ": " + e.getClass().getSimpleName()
                        + ": make it readable by this process");
            }
            where = "--http-token-file " + file;
        } else if (environmentValue != null && !environmentValue.isEmpty()) {
            token = environmentValue.trim();
            where = "LOOKUPKEEPER_HTTP_TOKEN";
        } else {
            return null;
        }
        if (token.length() < MIN_LENGTH) {
            throw new ConfigException("the HTTP token from " + where + " is shorter than " + MIN_LENGTH
                    + " characters: use a random one, e.g. `openssl rand -hex 32`");
        }
        return new BearerToken(token);
    }

    /** Whether an Authorization header carries this token ("Bearer <token>"). */
    public boolean admits(String authorization) {
        if (authorization == null || !authorization.regionMatches(true, 0, "Bearer ", 0, 7)) {
            return false;
        }
        return MessageDigest.isEqual(digest, sha256(authorization.substring(7).trim()));
    }

    private static byte[] sha256(String s) {
        try {
            return MessageDigest.getInstance("SHA-256").digest(s.getBytes(StandardCharsets.UTF_8));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return "BearerToken[redacted]";
    }
}
