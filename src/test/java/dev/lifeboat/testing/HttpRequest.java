package dev.lifeboat.testing;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/**
 * The minimal HTTP/1.1 request framing {@link FaultProxy} needs to apply faults per request on a keep-alive
 * connection: a request head, then a body ended by {@code Content-Length} or {@code Transfer-Encoding: chunked}
 * (copied verbatim, chunk framing and trailers included), and an S3 XML error answer.
 */
record HttpRequest(String method, long contentLength, boolean chunked, boolean expectsContinue) {
    private static final int MAX_HEAD = 64 * 1024;

    /** The request line and headers up to and including the empty line; null at a clean end of stream. */
    static byte[] readHead(InputStream in) throws IOException {
        ByteArrayOutputStream head = new ByteArrayOutputStream();
        int last4 = 0;
        int b;
        while ((b = in.read()) >= 0) {
            head.write(b);
            last4 = (last4 << 8) | b;
            if (last4 == 0x0d0a0d0a) {
                return head.toByteArray();
            }
            if (head.size() > MAX_HEAD) {
                throw new IOException("HTTP request head over " + MAX_HEAD + " bytes");
            }
        }
        if (head.size() > 0) {
            throw new EOFException("connection closed inside an HTTP request head");
        }
        return null;
    }

    static HttpRequest parse(byte[] head) {
        String[] lines = new String(head, StandardCharsets.ISO_8859_1).split("\r\n");
        String method = lines[0].split(" ", 2)[0];
        long length = 0;
        boolean chunked = false;
        boolean expect = false;
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            if (colon <= 0) {
                continue;
            }
            String name = lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = lines[i].substring(colon + 1).trim().toLowerCase(Locale.ROOT);
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" -> chunked = value.contains("chunked");
                case "expect" -> expect = value.equals("100-continue");
                default -> { }
            }
        }
        return new HttpRequest(method, length, chunked, expect);
    }

    /** Copies the body verbatim, leaving {@code in} at the start of the next request. */
    void copyBody(InputStream in, OutputStream out) throws IOException {
        if (!chunked) {
            copyExactly(in, out, contentLength);
            return;
        }
        while (true) {
            String sizeLine = readLine(in, out);
            long size = Long.parseLong(sizeLine.split(";", 2)[0].trim(), 16);
            if (size == 0) {
                while (!readLine(in, out).isEmpty()) {
                    // trailer fields, up to the empty line
                }
                return;
            }
            copyExactly(in, out, size + 2); // the chunk and its CRLF
        }
    }

    /** A well-formed S3 error answer: 503 {@code SlowDown} or 500 {@code InternalError}, no body for a HEAD. */
    byte[] s3Error(int status, boolean close) {
        String code = status == 503 ? "SlowDown" : "InternalError";
        String message = status == 503 ? "Please reduce your request rate." : "We encountered an internal error. Please try again.";
        String id = "faultproxy" + System.nanoTime();
        byte[] body = ("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Error><Code>" + code + "</Code><Message>" + message
                + "</Message><RequestId>" + id + "</RequestId><HostId>fault-proxy</HostId></Error>").getBytes(StandardCharsets.UTF_8);
        String head = "HTTP/1.1 " + status + (status == 503 ? " Slow Down" : " Internal Server Error") + "\r\n"
                + "Content-Type: application/xml\r\n"
                + "Content-Length: " + body.length + "\r\n"
                + "x-amz-request-id: " + id + "\r\n"
                + "Connection: " + (close ? "close" : "keep-alive") + "\r\n\r\n";
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        out.writeBytes(head.getBytes(StandardCharsets.US_ASCII));
        if (!method.equals("HEAD")) {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    private static String readLine(InputStream in, OutputStream copy) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            copy.write(b);
            if (b == '\n') {
                return line.toString().strip();
            }
            line.append((char) b);
        }
        throw new EOFException("connection closed inside a chunked body");
    }

    private static void copyExactly(InputStream in, OutputStream out, long count) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        while (count > 0) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, count));
            if (n < 0) {
                throw new EOFException("connection closed inside an HTTP body");
            }
            out.write(buffer, 0, n);
            count -= n;
        }
    }
}
