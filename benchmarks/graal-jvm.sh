# Sourced by the benchmark scripts (run from the repository root): sets graal_jvm, the JVM flags a JMH fork needs to
# run GraalWasm on the Graal JIT from the GraalVM modules the build puts in cli/target/graalvm (what bin/jshrew and
# the CLI's relaunch pass too).
graal_jvm="-XX:+UnlockExperimentalVMOptions -XX:+EnableJVMCI --upgrade-module-path=$(ls cli/target/graalvm/compiler/*.jar | paste -sd:)"
graal_jvm="$graal_jvm --module-path=cli/target/graalvm/modules --add-modules=ALL-MODULE-PATH"
graal_jvm="$graal_jvm --enable-native-access=ALL-UNNAMED,org.graalvm.truffle --sun-misc-unsafe-memory-access=allow"
