package dev.lifeboat;

import dev.lifeboat.cli.LifeboatCommand;
import io.quarkus.arc.Arc;
import io.quarkus.arc.InstanceHandle;
import io.quarkus.runtime.QuarkusApplication;
import io.quarkus.runtime.annotations.QuarkusMain;
import picocli.CommandLine;

/**
 * Entry point: hands the arguments to picocli. Commands are CDI beans so they can use the agent's services;
 * classes that are not beans (picocli's own helpers) are created by picocli's default factory.
 */
@QuarkusMain
public class LifeboatMain implements QuarkusApplication {

    @Override
    public int run(String... args) {
        return commandLine().execute(args);
    }

    /** The configured command line; also used by tests. */
    public static CommandLine commandLine() {
        CommandLine.IFactory fallback = CommandLine.defaultFactory();
        CommandLine.IFactory cdi = new CommandLine.IFactory() {
            @Override
            public <K> K create(Class<K> type) throws Exception {
                InstanceHandle<K> bean = Arc.container() == null ? null : Arc.container().instance(type);
                return bean != null && bean.isAvailable() ? bean.get() : fallback.create(type);
            }
        };
        return new CommandLine(LifeboatCommand.class, cdi)
                .setCaseInsensitiveEnumValuesAllowed(true)
                .setExecutionExceptionHandler(new UserErrorHandler());
    }
}
