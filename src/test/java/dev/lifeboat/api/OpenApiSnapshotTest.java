package dev.lifeboat.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.quarkus.test.junit.QuarkusTest;
import org.junit.jupiter.api.Test;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static io.restassured.RestAssured.given;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The served OpenAPI document equals the checked-in snapshot, so every change of the API is deliberate and reviewed as
 * a diff of {@value #SNAPSHOT}. After an intended change, regenerate it with
 * {@code ./mvnw test -Dtest=OpenApiSnapshotTest -Dlifeboat.openapi.update=true} and commit the file.
 */
@QuarkusTest
class OpenApiSnapshotTest {
    static final String SNAPSHOT = "src/test/resources/openapi/lifeboat-v1.json";
    static final String REGENERATE = "./mvnw -B -ntp test -Dtest=OpenApiSnapshotTest -Dlifeboat.openapi.update=true";
    private static final ObjectMapper JSON = JsonMapper.builder().enable(SerializationFeature.INDENT_OUTPUT).build();

    @Test
    void servedDocumentMatchesTheSnapshot() throws Exception {
        String served = given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().asString();
        String normalised = JSON.writeValueAsString(sorted(JSON.readTree(served))) + "\n";
        Path snapshot = Path.of(SNAPSHOT);
        if (Boolean.getBoolean("lifeboat.openapi.update")) {
            Files.createDirectories(snapshot.getParent());
            Files.writeString(snapshot, normalised);
        }
        assertTrue(Files.exists(snapshot), SNAPSHOT + " is missing; create it with: " + REGENERATE);
        String expected = JSON.writeValueAsString(sorted(JSON.readTree(Files.readString(snapshot)))) + "\n";
        assertEquals(expected, normalised, "the served OpenAPI document differs from " + SNAPSHOT
                + ". If the API change is intended, regenerate the snapshot with `" + REGENERATE + "` and commit it");
    }

    @Test
    void documentsEveryV1EndpointAndNoSwaggerUi() throws Exception {
        JsonNode doc = JSON.readTree(given().queryParam("format", "json").get("/q/openapi").then().statusCode(200).extract().asString());
        for (String path : List.of("/api/v1/status", "/api/v1/databases", "/api/v1/databases/{db}", "/api/v1/databases/{db}/backups",
                "/api/v1/databases/{db}/generations", "/api/v1/databases/{db}/drills", "/api/v1/volumes", "/api/v1/destinations",
                "/api/v1/alerts", "/api/v1/alerts/test")) {
            assertTrue(doc.path("paths").has(path), "OpenAPI documents " + path);
        }
        doc.path("paths").properties().forEach(p -> p.getValue().properties().forEach(op ->
                assertTrue(op.getValue().hasNonNull("summary"), "every operation has a summary: " + op.getKey() + " " + p.getKey())));
        given().get("/q/swagger-ui").then().statusCode(404);
    }

    /** Object keys in order (the generator's order of schemas is not part of the contract). */
    static JsonNode sorted(JsonNode node) {
        if (node.isObject()) {
            Map<String, JsonNode> fields = new TreeMap<>();
            node.properties().forEach(e -> fields.put(e.getKey(), sorted(e.getValue())));
            ObjectNode out = JSON.createObjectNode();
            fields.forEach(out::set);
            return out;
        }
        if (node.isArray()) {
            var out = JSON.createArrayNode();
            node.forEach(n -> out.add(sorted(n)));
            return out;
        }
        return node;
    }
}
