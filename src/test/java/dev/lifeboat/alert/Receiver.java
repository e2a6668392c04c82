package dev.lifeboat.alert;

import com.github.tomakehurst.wiremock.WireMockServer;
import com.github.tomakehurst.wiremock.verification.LoggedRequest;

import java.util.List;

import static com.github.tomakehurst.wiremock.core.WireMockConfiguration.options;

/** A real HTTP receiver for notifications: WireMock standalone, in-process, on a free loopback port. */
public final class Receiver implements AutoCloseable {
    public final WireMockServer server;

    public Receiver() {
        server = new WireMockServer(options().bindAddress("127.0.0.1").dynamicPort()
                .containerThreads(10).jettyAcceptors(1));
        server.start();
    }

    public String url(String path) {
        return "http://127.0.0.1:" + server.port() + path;
    }

    public List<LoggedRequest> requests() {
        return server.findAll(com.github.tomakehurst.wiremock.client.WireMock.anyRequestedFor(com.github.tomakehurst.wiremock.client.WireMock.anyUrl()));
    }

    @Override
    public void close() {
        server.stop();
    }
}
