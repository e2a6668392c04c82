package dev.lifeboat.alert;

import com.fasterxml.jackson.annotation.JsonInclude;

import java.util.List;

/**
 * A configured sink in the API: its target as scheme://host only, never its secret or token.
 *
 * @param rules  the rules it is limited to, absent when it takes all
 * @param signed a webhook whose requests carry a signature
 * @param jobs   the jobs it pings (healthchecks), absent when none
 */
@io.quarkus.runtime.annotations.RegisterForReflection // Jackson writes it at run time (NativeRegistrationIT)
public record SinkView(String type, String target, String minSeverity, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> rules,
                       boolean signed, @JsonInclude(JsonInclude.Include.NON_EMPTY) List<String> jobs) {

    static SinkView of(Sink s) {
        return new SinkView(s.type(), s.target(), s.minSeverity().id(), s.rules(), s.type().equals("webhook") && s.secret() != null,
                s.jobs().keySet().stream().sorted().toList());
    }
}
