package dev.lifeboat.store;

import java.io.FileNotFoundException;

/** The requested key does not exist in the store. */
public class NoSuchObjectException extends FileNotFoundException {
    public NoSuchObjectException(String store, String key) {
        super("no object " + key + " in " + store);
    }
}
