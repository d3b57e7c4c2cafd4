/** The conformance kit: every engine runs these tests unchanged (one subclass per engine). */
module dev.jshrew.tck {
    requires transitive dev.jshrew.host;
    requires transitive org.junit.jupiter.api;
    requires transitive org.junit.jupiter.params;
    requires transitive org.assertj.core;
    requires transitive com.tngtech.archunit; // its rule types are the kit's API (an automatic module)
    requires dev.jshrew.memory.commit;
    requires com.fasterxml.jackson.databind;

    exports dev.jshrew.tck;

    uses dev.jshrew.api.storage.StorageProvider;

    opens dev.jshrew.tck to
            org.junit.platform.commons;
}
