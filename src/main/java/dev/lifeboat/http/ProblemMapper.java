package dev.lifeboat.http;

import dev.lifeboat.config.InvalidConfigException;
import jakarta.ws.rs.core.Response;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

/**
 * Turns the exceptions of the API into {@code application/problem+json} answers: a {@link ProblemException} as it
 * is, an invalid configuration as {@code 503}.
 */
public class ProblemMapper {
    @ServerExceptionMapper
    public Response problem(ProblemException e) {
        return e.problem().response();
    }

    @ServerExceptionMapper
    public Response configInvalid(InvalidConfigException e) {
        return Problem.configInvalid("the configuration is invalid (" + e.problems().size()
                + " problem(s), listed by /api/v1/status); fix it and the API answers again").response();
    }
}
