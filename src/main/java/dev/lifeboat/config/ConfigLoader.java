package dev.lifeboat.config;

import io.quarkus.runtime.configuration.DurationConverter;
import io.smallrye.config.ConfigValidationException;
import io.smallrye.config.PropertiesConfigSource;
import io.smallrye.config.SmallRyeConfig;
import io.smallrye.config.SmallRyeConfigBuilder;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;
import org.yaml.snakeyaml.constructor.SafeConstructor;
import org.yaml.snakeyaml.error.MarkedYAMLException;
import org.yaml.snakeyaml.error.YAMLException;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code lifeboat.yml}: YAML → environment expansion → typed {@link LifeboatConfig} → semantic checks.
 * Every problem in the file is collected and reported at once in an {@link InvalidConfigException}.
 */
public final class ConfigLoader {
    /** Used when neither {@code --config} nor {@code LIFEBOAT_CONFIG} say otherwise. */
    public static final String DEFAULT_FILE = "lifeboat.yml";
    /** Environment variable (and Java system property {@code lifeboat.config}) naming the configuration file. */
    public static final String ENV_VAR = "LIFEBOAT_CONFIG";

    static final List<String> TOP_LEVEL_KEYS = List.of("destinations", "databases", "volumes", "alerts", "fly", "http");

    private final Map<String, String> environment;

    public ConfigLoader(Map<String, String> environment) {
        this.environment = environment;
    }

    public ConfigLoader() {
        this(System.getenv());
    }

    /** The file to read: the explicit choice, else {@code LIFEBOAT_CONFIG}, else {@value #DEFAULT_FILE} in the working directory. */
    public static Path resolvePath(String explicit) {
        if (explicit != null && !explicit.isBlank()) {
            return Path.of(explicit);
        }
        String property = System.getProperty("lifeboat.config");
        if (property != null && !property.isBlank()) {
            return Path.of(property);
        }
        String env = System.getenv(ENV_VAR);
        return Path.of(env != null && !env.isBlank() ? env : DEFAULT_FILE);
    }

    /** Loads and validates {@code file}; throws {@link InvalidConfigException} listing every problem. */
    public LifeboatConfig load(Path file) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (NoSuchFileException e) {
            throw new InvalidConfigException(file, List.of(new ConfigProblem("", "file not found: " + file.toAbsolutePath())),
                    "pass --config FILE or set " + ENV_VAR);
        } catch (IOException e) {
            throw new InvalidConfigException(file, List.of(new ConfigProblem("", "cannot read " + file + ": " + e.getMessage())));
        }
        return parse(file, text);
    }

    /** Parses configuration text; {@code origin} only names it in messages. */
    public LifeboatConfig parse(Path origin, String text) {
        List<ConfigProblem> problems = new ArrayList<>();
        Map<String, String> flat = new LinkedHashMap<>();
        Object tree = readYaml(text, problems);
        List<ConfigProblem> shapeProblems = new ArrayList<>();
        if (tree instanceof Map<?, ?> map) {
            ConfigShape.check(map, shapeProblems);
            for (Object top : map.keySet()) {
                if (!TOP_LEVEL_KEYS.contains(String.valueOf(top))) {
                    problems.add(new ConfigProblem(String.valueOf(top), UNKNOWN_KEY + "; the top-level keys are " + String.join(", ", TOP_LEVEL_KEYS)));
                }
            }
            flatten("", map, flat, problems);
        } else if (tree != null) {
            problems.add(new ConfigProblem("", "the file must be a YAML mapping with keys such as destinations: and databases:"));
        }
        boolean onlyUnknownKeys = problems.stream().allMatch(ConfigLoader::isUnknownKey);
        flat.keySet().removeIf(k -> !TOP_LEVEL_KEYS.contains(k.split("[.\\[]", 2)[0]));
        Set<String> invalidValues = new HashSet<>();
        LifeboatConfig config = onlyUnknownKeys ? map(origin, flat, problems, invalidValues) : null;
        Set<String> leftOut = new HashSet<>();
        Set<String> pruned = new HashSet<>();
        shapeProblems.forEach(p -> pruned.add(p.key()));
        if (config == null && !problems.isEmpty() && problems.stream().allMatch(p -> isUnknownKey(p) || invalidValues.contains(p.key()) || isPruned(p.key(), pruned))) {
            config = mapTheRest(origin, flat, problems, leftOut, pruned);
        }
        if (config != null) {
            problems.addAll(new ConfigValidator(config, leftOut).validate());
        }
        // A value of the wrong shape was taken out of the tree; what mapping then says about its key adds nothing.
        problems.removeIf(p -> shapeProblems.stream().anyMatch(s -> within(p.key(), s.key())));
        problems.addAll(shapeProblems);
        if (!problems.isEmpty()) {
            throw new InvalidConfigException(origin, problems.stream().sorted().distinct().toList());
        }
        return config;
    }

    private static boolean isPruned(String key, Set<String> pruned) {
        return pruned.stream().anyMatch(s -> within(key, s));
    }

    private static boolean within(String key, String parent) {
        return key.equals(parent) || key.startsWith(parent + ".") || key.startsWith(parent + "[");
    }

    /** SmallRye reads any unknown word as false; a typo such as {@code path-style: ture} must be an error instead. */
    private static Boolean strictBoolean(String text) {
        return switch (text.trim().toLowerCase(java.util.Locale.ROOT)) {
            case "true", "yes", "on" -> Boolean.TRUE;
            case "false", "no", "off" -> Boolean.FALSE;
            default -> throw new IllegalArgumentException("expected true or false");
        };
    }

    private static final Pattern BARE_NUMBER = Pattern.compile("[+-]?\\d+(\\.\\d+)?");
    /** Every form {@link #duration} accepts, as listed in messages. */
    static final String DURATION_FORMS = "500ms, 30s, 15m, 1h, 2d or ISO-8601 such as PT30S";

    /**
     * Quarkus's duration forms without its bare-number one: {@code sync-interval: 5} reads as five seconds to
     * Quarkus but as five milliseconds (or minutes) to a reader, so a unit is required.
     */
    private static Duration duration(String text) {
        if (BARE_NUMBER.matcher(text.trim()).matches()) {
            throw new IllegalArgumentException("'" + text.trim() + "' is a bare number: write a duration with its unit, one of " + DURATION_FORMS);
        }
        return new DurationConverter().convert(text);
    }

    private static boolean isUnknownKey(ConfigProblem p) {
        return p.message().startsWith(UNKNOWN_KEY);
    }

    /**
     * Unknown keys and invalid values do not stop the other checks: maps the file without them so every problem is
     * reported at once. A required value that was invalid or of the wrong shape (a database's {@code type}) takes its whole entry out of
     * the retry; the entries left out (such as {@code databases.app}) are added to {@code leftOut}.
     */
    private static LifeboatConfig mapTheRest(Path origin, Map<String, String> flat, List<ConfigProblem> problems, Set<String> leftOut,
                                             Set<String> pruned) {
        Map<String, String> known = new LinkedHashMap<>(flat);
        Map<String, String> removed = new LinkedHashMap<>();
        problems.forEach(p -> known.keySet().removeIf(k -> {
            boolean matches = unquoted(k).equals(p.key());
            if (matches) {
                removed.put(p.key(), k);
            }
            return matches;
        }));
        for (int attempt = 0; attempt <= removed.size(); attempt++) {
            List<ConfigProblem> again = new ArrayList<>();
            LifeboatConfig config = map(origin, known, again, new HashSet<>());
            if (config != null) {
                return config;
            }
            boolean progress = false;
            for (ConfigProblem p : again) {
                String key = removed.get(p.key());
                if (key == null && isPruned(p.key(), pruned)) {
                    key = p.key();
                }
                if (key == null) {
                    return null;
                }
                String entry = key.substring(0, Math.max(key.lastIndexOf('.'), 0));
                progress |= !entry.isEmpty() && known.keySet().removeIf(k -> k.startsWith(entry + ".") || k.startsWith(entry + "["));
                leftOut.add(unquoted(entry));
            }
            if (!progress) {
                return null;
            }
        }
        return null;
    }

    private static String unquoted(String key) {
        return key.replace("\"", "");
    }

    private static Object readYaml(String text, List<ConfigProblem> problems) {
        LoaderOptions options = new LoaderOptions();
        options.setAllowDuplicateKeys(false);
        try (Reader reader = new java.io.StringReader(text)) {
            return new Yaml(new SafeConstructor(options)).load(reader);
        } catch (MarkedYAMLException e) {
            var mark = e.getProblemMark();
            String where = mark == null ? "" : " at line " + (mark.getLine() + 1) + ", column " + (mark.getColumn() + 1);
            problems.add(new ConfigProblem("", "malformed YAML" + where + ": " + e.getProblem()));
        } catch (YAMLException | IOException e) {
            problems.add(new ConfigProblem("", "malformed YAML: " + e.getMessage()));
        }
        return null;
    }

    /** Turns the YAML tree into dotted keys ({@code databases.app.path}) and indexed keys for lists ({@code x.recipients[0]}). */
    private void flatten(String prefix, Map<?, ?> map, Map<String, String> out, List<ConfigProblem> problems) {
        for (Map.Entry<?, ?> entry : map.entrySet()) {
            String name = String.valueOf(entry.getKey());
            String key = prefix.isEmpty() ? name : prefix + "." + (name.contains(".") ? "\"" + name + "\"" : name);
            flattenValue(key, entry.getValue(), out, problems);
        }
    }

    private void flattenValue(String key, Object value, Map<String, String> out, List<ConfigProblem> problems) {
        if (value instanceof Map<?, ?> nested) {
            flatten(key, nested, out, problems);
        } else if (value instanceof List<?> list) {
            for (int i = 0; i < list.size(); i++) {
                flattenValue(key + "[" + i + "]", list.get(i), out, problems);
            }
        } else if (value != null) {
            try {
                out.put(key, new EnvExpander(environment).expand(String.valueOf(value)));
            } catch (EnvExpander.UnsetVariableException e) {
                problems.add(new ConfigProblem(key, e.getMessage()));
            }
        }
    }

    /** Maps {@code flat} onto {@link LifeboatConfig}; on failure adds the problems, and the keys whose value did not convert to {@code invalidValues}. */
    private static LifeboatConfig map(Path origin, Map<String, String> flat, List<ConfigProblem> problems, Set<String> invalidValues) {
        Map<String, String> prefixed = new LinkedHashMap<>();
        flat.forEach((k, v) -> prefixed.put(LifeboatConfig.PREFIX + "." + k, v));
        try {
            SmallRyeConfig config = new SmallRyeConfigBuilder()
                    .withSources(new PropertiesConfigSource(prefixed, origin.toString(), 100))
                    .withConverter(Duration.class, 200, ConfigLoader::duration)
                    .withConverter(ByteSize.class, 200, ByteSize::parseWithUnit)
                    .withConverter(Boolean.class, 200, ConfigLoader::strictBoolean)
                    .withMapping(LifeboatConfig.class)
                    .withValidateUnknown(true)
                    .build();
            return config.getConfigMapping(LifeboatConfig.class);
        } catch (ConfigValidationException e) {
            for (int i = 0; i < e.getProblemCount(); i++) {
                String message = e.getProblem(i).getMessage();
                ConfigProblem problem = translate(message);
                problems.add(problem);
                if (isConversionFailure(message)) {
                    invalidValues.add(problem.key());
                }
            }
        } catch (RuntimeException e) {
            problems.add(translate(String.valueOf(e.getMessage())));
        }
        return null;
    }

    private static final Pattern KEY = Pattern.compile(Pattern.quote(LifeboatConfig.PREFIX) + "\\.(\\S+?)(?=[\\s,]|$)");
    private static final String UNKNOWN_KEY = "unknown key";
    private static final Pattern VALUE = Pattern.compile("config value \"(.*?)\"", Pattern.DOTALL);

    /** Rewrites SmallRye's messages into the user's terms: the key as written in the YAML, the mistake in words. */
    static ConfigProblem translate(String smallRyeMessage) {
        Matcher keyMatch = KEY.matcher(smallRyeMessage);
        String key = keyMatch.find() ? keyMatch.group(1).replace("\"", "") : "";
        String message;
        if (smallRyeMessage.contains("SRCFG00014")) {
            message = "required key is missing";
        } else if (smallRyeMessage.contains("SRCFG00050")) {
            message = UNKNOWN_KEY + " (check its spelling and indentation against the README's configuration reference)";
        } else if (isConversionFailure(smallRyeMessage)) {
            Matcher value = VALUE.matcher(smallRyeMessage);
            String what = humanize(smallRyeMessage);
            String quoted = value.find() ? "'" + value.group(1) + "'" : "";
            // A converter's own message that already quotes the value is not prefixed with the value again.
            message = quoted.isEmpty() || !what.contains(quoted) ? "invalid value" + (quoted.isEmpty() ? "" : " " + quoted) + ": " + what : what;
        } else {
            message = smallRyeMessage.replaceAll("(java\\.lang\\.)?\\w*Exception: ", "").replaceAll("SRCFG\\d+: ", "");
        }
        return new ConfigProblem(key, message);
    }

    private static boolean isConversionFailure(String smallRyeMessage) {
        return smallRyeMessage.contains("SRCFG00039") || smallRyeMessage.contains("SRCFG00040");
    }

    private static String humanize(String converterMessage) {
        String m = converterMessage.replaceAll(".*(whilst being converted|whose message was) ?", "").replaceAll("SRCFG\\d+: ", "");
        if (m.contains("is a bare number")) {
            return m.replaceAll("^(java\\.lang\\.)?\\w*Exception: ", "");
        }
        if (m.contains("Boolean") || m.contains("boolean")) {
            return "expected true or false";
        }
        if (m.contains("NumberFormat") || m.contains("For input string")) {
            return "expected a whole number";
        }
        if (m.contains("Duration") || m.contains("duration")) {
            return "expected a duration such as " + DURATION_FORMS;
        }
        return m;
    }
}
