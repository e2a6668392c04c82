package dev.lifeboat.store;

import dev.lifeboat.config.DestinationConfig;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;

/** Opens the store a destination's URL names. */
public final class ObjectStores {
    private ObjectStores() {
    }

    /** {@code file://} → {@link FileStore}; {@code s3://} → {@link S3Store}. Relative file URLs resolve against the working directory. */
    public static ObjectStore open(DestinationConfig destination) throws IOException {
        URI uri = URI.create(destination.url());
        return switch (uri.getScheme()) {
            case "file" -> new FileStore(filePath(uri));
            case "s3" -> S3Store.open(destination);
            default -> throw new IOException("unsupported destination URL scheme: " + uri.getScheme());
        };
    }

    /**
     * A store of the caller's own holding the objects under {@code prefix} of {@code destination}: closing it closes
     * the client it opened (unlike {@link Destinations#forDatabase}'s views of the shared stores).
     */
    public static ObjectStore openUnder(DestinationConfig destination, String prefix) throws IOException {
        return PrefixedStore.owning(open(destination), prefix);
    }

    /** {@code file:///abs}, {@code file:rel/dir} and {@code file:./rel} are all accepted. */
    static Path filePath(URI uri) {
        if (uri.getPath() != null && !uri.getPath().isEmpty() && uri.getSchemeSpecificPart().startsWith("/")) {
            return Path.of(uri.getPath());
        }
        String ssp = uri.getSchemeSpecificPart();
        return Path.of(ssp.startsWith("//") ? ssp.substring(2) : ssp);
    }
}
