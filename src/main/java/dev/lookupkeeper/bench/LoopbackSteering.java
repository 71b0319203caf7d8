package dev.lookupkeeper.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Receive packet steering for the loopback device: which CPUs process the receive half of
 * loopback traffic. Needs root; the benchmark restores the old mask when it ends.
 */
final class LoopbackSteering {
    private static final Path RPS = Path.of("/sys/class/net/lo/queues/rx-0/rps_cpus");

    private LoopbackSteering() {}

    /** Steers to the CPU list ("1"); returns the mask to restore. */
    static String steerTo(String cpu) throws IOException {
        String before = Files.readString(RPS).trim();
        Files.writeString(RPS, Long.toHexString(1L << Integer.parseInt(cpu)) + "\n");
        return before;
    }

    static void restore(String mask) throws IOException {
        Files.writeString(RPS, mask + "\n");
    }
}
