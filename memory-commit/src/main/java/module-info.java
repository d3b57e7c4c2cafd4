/**
 * Guest linear memory for jshrew: reserved with {@code mmap}, committed physically up front through
 * {@code java.lang.foreign} (no {@code sun.misc.Unsafe}), refused early when cgroup or machine limits cannot hold
 * it. The JVM must grant native access to this module ({@code --enable-native-access=dev.jshrew.memory.commit}).
 */
module dev.jshrew.memory.commit {
    // transitive: the exported API (LinearMemoryProvider, CommitReport) is made of dev.jshrew.api types
    requires transitive dev.jshrew.api;

    exports dev.jshrew.memory;
}
