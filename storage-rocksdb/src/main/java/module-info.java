/**
 * RocksDB-backed {@link dev.jshrew.api.storage.StorageProvider} ({@code rocksdb}). Exports nothing: the provider
 * is reached through {@link java.util.ServiceLoader}, and no RocksDB type leaves this module.
 */
module dev.jshrew.storage.rocksdb {
    requires dev.jshrew.api;
    // rocksdbjni 10.4.2 has no Automatic-Module-Name: "rocksdbjni" is the name derived from its file name.
    requires rocksdbjni;

    provides dev.jshrew.api.storage.StorageProvider with
            dev.jshrew.storage.rocksdb.RocksDbStorageProvider;
}
