/*
 * Fahras dev-cluster launcher.  Copyright (C) The Fahras developers.
 * SPDX-License-Identifier: GPL-3.0-or-later
 */
package org.fahras.launcher;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.nio.file.StandardCopyOption;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.opensearch.analysis.common.CommonAnalysisPlugin;
import org.opensearch.common.logging.LogConfigurator;
import org.opensearch.common.settings.Settings;
import org.opensearch.env.Environment;
import org.opensearch.node.InternalSettingsPreparer;
import org.opensearch.node.Node;
import org.opensearch.plugins.Plugin;
import org.opensearch.transport.Netty4Plugin;

/**
 * One OpenSearch node in this JVM, with the plugins that a stock distribution ships as
 * modules and that Fahras needs: the Netty transport (HTTP and node-to-node) and
 * analysis-common (the Arabic filters, synonyms, stemmer_override...).
 *
 * <p>Usage: {@code java -cp ... org.fahras.launcher.DevNode HOME [key=value ...]}, where HOME is
 * the node's folder ({@code path.home}; data and logs go below it unless set) and each
 * {@code key=value} is a node setting, as {@code -E} gives them to the {@code opensearch} script.
 *
 * <p>The node stops cleanly (shutdown hook) on SIGTERM/SIGINT, and also when standard input
 * reaches its end: the parent holds the other end of a pipe, so when the parent dies, even by
 * {@code kill -9}, the node does not outlive it.
 */
public final class DevNode {

    /** The constructor that takes plugin classes is protected: the embedding API of OpenSearch. */
    private static final class ClasspathPluginNode extends Node {
        ClasspathPluginNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
            super(environment, plugins, true);
        }
    }

    private static final List<Class<? extends Plugin>> PLUGINS = List.of(Netty4Plugin.class, CommonAnalysisPlugin.class);

    private DevNode() {}

    public static void main(String[] args) throws Exception {
        if (args.length < 1) {
            System.err.println("usage: DevNode HOME [key=value ...]");
            System.exit(2);
        }
        Path home = Paths.get(args[0]).toAbsolutePath();
        Settings.Builder builder = Settings.builder().put("path.home", home.toString());
        for (int i = 1; i < args.length; i++) {
            int equals = args[i].indexOf('=');
            if (equals <= 0) {
                System.err.println("not a key=value setting: " + args[i]);
                System.exit(2);
            }
            builder.put(args[i].substring(0, equals), args[i].substring(equals + 1));
        }
        Settings settings = builder.build();
        String nodeName = settings.get("node.name", "node");
        Path config = Files.createDirectories(home.resolve("config"));
        writeLoggingConfig(config.resolve("log4j2.properties"));
        LogConfigurator.registerErrorListener();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, new HashMap<>(), config, () -> nodeName);
        LogConfigurator.setNodeName(nodeName);
        LogConfigurator.configure(environment);
        Node node = new ClasspathPluginNode(environment, PLUGINS);

        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.close();
                node.awaitClose(20, TimeUnit.SECONDS);
            } catch (IOException | InterruptedException e) {
                e.printStackTrace();
            }
        }, "fahras-node-shutdown"));

        node.start();
        System.out.println("fahras-dev-node started " + nodeName);
        System.out.flush();
        waitForEndOfInput(System.in);
        // Parent gone or asked us to stop: System.exit runs the shutdown hook.
        System.exit(0);
    }

    /** OpenSearch reads its logging setup from config/; ours travels in the jar. */
    private static void writeLoggingConfig(Path target) throws IOException {
        try (InputStream bundled = DevNode.class.getResourceAsStream("/log4j2.properties")) {
            Files.copy(bundled, target, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    private static void waitForEndOfInput(InputStream input) {
        byte[] buffer = new byte[256];
        try {
            while (input.read(buffer) >= 0) {
                // Whatever the parent writes is ignored; only the end of the stream matters.
            }
        } catch (IOException e) {
            // A broken pipe is an end of input too.
        }
    }
}
