package dev.lifeboat.cli;

import dev.lifeboat.testing.LifeboatBinary;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Dockerfile.jvm cannot be built here (no container engine), so it is kept in step with what is tested: the runtime
 * it ships must come from bin/jlink-runtime (which ShippedRuntimeIT runs), with no module list or JVM flag of its
 * own that could drift from the script's and src/main/jvm's; it needs a JDK that trains the AOT cache, the
 * environment the product's JVM runs with, the client tools the native image has, and a user other than root.
 */
class JvmImageTest {
    static final Path DOCKERFILE = Path.of("Dockerfile.jvm");
    static final Path SCRIPT = Path.of("bin/jlink-runtime");

    @Test
    void theImageShipsTheRuntimeTheScriptBuildsAndNothingOfItsOwn() throws IOException {
        String docker = Files.readString(DOCKERFILE);
        Matcher run = Pattern.compile("bin/jlink-runtime (\\S+) (\\S+)").matcher(docker);
        assertTrue(run.find(), "Dockerfile.jvm builds its runtime with bin/jlink-runtime OUT APP");
        String runtime = run.group(1);
        assertTrue(docker.contains("\"" + runtime + "/bin/lifeboat\""), "the ENTRYPOINT is the script's launcher " + runtime + "/bin/lifeboat");
        assertTrue(docker.contains("COPY --from=build " + parent(runtime)) || docker.contains("COPY --from=build " + runtime),
                "the final stage copies the runtime to the same path (the AOT cache is valid only there)");
        for (String own : List.of("jlink ", "--add-modules", "-XX:", "-Xmx", "-Xss", "JAVA_OPTS", "JDK_JAVA_OPTIONS")) {
            assertFalse(docker.contains(own), "Dockerfile.jvm sets '" + own + "' itself; modules and flags live in bin/jlink-runtime and src/main/jvm");
        }
    }

    @Test
    void theScriptTakesItsFlagsFromSrcMainJvmAndItsModulesFromOneList() throws IOException {
        String script = Files.readString(SCRIPT);
        assertTrue(script.contains("src/main/jvm/*.options"), "bin/jlink-runtime ships the JVM flags of src/main/jvm");
        assertEquals(1, Pattern.compile("(?m)^MODULES=").matcher(script).results().count(), "one module list");
        assertEquals(1, Pattern.compile("--add-modules \"\\$MODULES\"").matcher(script).results().count(), "jlink takes that list");
        assertFalse(Pattern.compile("(?m)^[^#]*-X[smx:]").matcher(script.replaceAll("-XX:AOTCache(Output)?=", "")).find(),
                "bin/jlink-runtime adds no JVM flag beyond the AOT cache; flags live in src/main/jvm");
    }

    @Test
    void theImagesCacheIsTrainedOnAnAgentRunThroughItsOwnLauncher() throws IOException {
        String script = Files.readString(SCRIPT);
        assertTrue(Pattern.compile("bin/AotTraining\\.java\"[\\s\\\\]*\"\\$OUT/lifeboat\\.aot\" \"\\$OUT/bin/lifeboat\"").matcher(script).find(),
                "bin/jlink-runtime trains OUT/lifeboat.aot with bin/AotTraining.java through the launcher it ships (the agent run bin/lifeboat trains on)");
        assertTrue(Files.readString(DOCKERFILE).contains("COPY bin /code/bin"), "the build stage has bin/ (bin/jlink-runtime and bin/AotTraining.java)");
    }

    @Test
    void theImageRunsAsTheProductRunsUnprivilegedWithTheNativeImagesTools() throws IOException {
        String docker = Files.readString(DOCKERFILE);
        Matcher jdk = Pattern.compile("FROM eclipse-temurin:(\\d+)-jdk AS build").matcher(docker);
        assertTrue(jdk.find(), "a Temurin JDK build stage");
        assertTrue(Integer.parseInt(jdk.group(1)) >= 25, "JDK 25+: the AOT cache is trained at build time");
        LifeboatBinary.JVM_ENVIRONMENT.forEach((name, value) ->
                assertTrue(docker.contains("ENV " + name + "=" + value), "Dockerfile.jvm sets " + name + "=" + value));
        Matcher user = Pattern.compile("(?m)^USER (\\S+)").matcher(docker);
        assertTrue(user.find() && !user.group(1).equals("root") && !user.group(1).equals("0"), "runs as a user other than root");
        assertEquals(clientTools(Files.readString(Path.of("Dockerfile.native"))), clientTools(docker),
                "the same client tools as Dockerfile.native");
    }

    private static String clientTools(String dockerfile) {
        Matcher m = Pattern.compile("apt-get install -y --no-install-recommends (postgresql-client[^&\\\\]*)").matcher(dockerfile);
        assertTrue(m.find(), "an apt-get install of the client tools");
        return m.group(1).trim();
    }

    private static String parent(String path) {
        return path.substring(0, path.lastIndexOf('/'));
    }
}
