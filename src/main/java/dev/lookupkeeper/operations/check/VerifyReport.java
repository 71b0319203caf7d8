package dev.lookupkeeper.operations.check;

import java.util.List;

/**
 * The result of verify: one entry per check, each naming up to a limit of its partitions.
 *
 * @param point how the comparison point was established (watermark applied, or table as it is)
 */
public record VerifyReport(boolean passed, String point, List<Check> checks) {

    /** @param partitions sample of failing partitions, at most the report's limit */
    public record Check(String name, boolean passed, long count, List<String> partitions, String detail) {}
}
