package dev.lifeboat.http;

/** Ends a request with a {@link Problem} answer; thrown by resource methods, turned into the response by {@link ProblemMapper}. */
public final class ProblemException extends RuntimeException {
    private final transient Problem problem;

    public ProblemException(Problem problem) {
        super(problem.detail(), null, false, false);
        this.problem = problem;
    }

    public Problem problem() {
        return problem;
    }
}
