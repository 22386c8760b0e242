package org.elasticsearch.node;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;
import java.util.function.Supplier;

import org.elasticsearch.Build;
import org.elasticsearch.client.internal.node.NodeClient;
import org.elasticsearch.cluster.ClusterState;
import org.elasticsearch.cluster.metadata.IndexNameExpressionResolver;
import org.elasticsearch.cluster.node.DiscoveryNodes;
import org.elasticsearch.cluster.service.ClusterService;
import org.elasticsearch.common.io.stream.NamedWriteableRegistry;
import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.ClusterSettings;
import org.elasticsearch.common.settings.IndexScopedSettings;
import org.elasticsearch.common.settings.SettingsFilter;
import org.elasticsearch.features.NodeFeature;
import org.elasticsearch.index.IndexVersion;
import org.elasticsearch.plugins.ActionPlugin;
import org.elasticsearch.rest.BaseRestHandler;
import org.elasticsearch.rest.RestController;
import org.elasticsearch.rest.RestHandler;
import org.elasticsearch.rest.RestRequest;
import org.elasticsearch.rest.RestResponse;
import org.elasticsearch.rest.RestStatus;
import org.elasticsearch.xcontent.XContentBuilder;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.plugins.MockPluginsService;
import org.elasticsearch.plugins.Plugin;
import org.elasticsearch.plugins.PluginsService;
import org.elasticsearch.transport.netty4.Netty4Plugin;

/**
 * Starts one real Elasticsearch node for tests and the local stack, from the jars on the
 * classpath (Maven Central): the server plus the Netty4 HTTP/transport plugin, loaded as a
 * classpath plugin by the test framework's MockPluginsService. Stops cleanly on SIGTERM.
 *
 * It lives in Node's package to reach Node's package-private constructor: the test framework's
 * MockNode would do the same, but it boots ESTestCase (which refuses to run as root and swaps
 * services for mocks). Everything here but the plugin loading is the production node.
 *
 * Usage: java -cp ... org.elasticsearch.node.EsNode HOME_DIR HTTP_PORT
 * Settings beyond those below may be given as -Des.setting.NAME=VALUE system properties.
 */
public final class EsNode extends Node {
    private EsNode(Environment environment, Collection<Class<? extends Plugin>> plugins) {
        super(NodeConstruction.prepareConstruction(environment, new NodeServiceProvider() {
            @Override
            PluginsService newPluginService(Environment env, Settings settings) {
                return new MockPluginsService(settings, env, plugins);
            }
        }, true));
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 2) {
            System.err.println("usage: EsNode HOME_DIR HTTP_PORT");
            System.exit(2);
        }
        Path home = Path.of(args[0]).toAbsolutePath();
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));
        Settings settings = settings(home, args[1]);

        // As the distribution's bootstrap does: log4j2.properties from the config dir, to stdout.
        LogConfigurator.registerErrorListener();
        LogConfigurator.loadLog4jPlugins();
        LogConfigurator.configureESLogging();
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> "domtok-es");
        LogConfigurator.setNodeName(environment.settings().get("node.name"));
        LogConfigurator.configure(environment, true);

        Node node = new EsNode(environment, List.of(Netty4Plugin.class, RootInfoPlugin.class));
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stop(node, stopped), "es-node-stop"));
        node.start();
        System.out.println("[EsNode] started: http://" + settings.get("network.host") + ":" + args[1]);
        stopped.await();
    }

    /** The node's settings: a single loopback node that never needs a second one. */
    private static Settings settings(Path home, String httpPort) {
        Settings.Builder builder = Settings.builder()
            .put("cluster.name", "domtok")
            .put("node.name", "domtok-es")
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            // Any free port: nothing else joins this node, so nobody needs to know it.
            .put("transport.port", "0")
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            .put("discovery.type", "single-node")
            // A shared machine's disk may be over the 85% watermark: never refuse shards for it.
            .put("cluster.routing.allocation.disk.threshold_enabled", false);
        String prefix = "es.setting.";
        for (String name : System.getProperties().stringPropertyNames()) {
            if (name.startsWith(prefix)) {
                builder.put(name.substring(prefix.length()), System.getProperty(name));
            }
        }
        return builder.build();
    }

    private static void stop(Node node, CountDownLatch stopped) {
        try {
            node.close();
            if (!node.awaitClose(10, TimeUnit.SECONDS)) {
                System.err.println("[EsNode] node did not close within 10s");
            }
        } catch (Exception e) {
            e.printStackTrace();
        } finally {
            stopped.countDown();
            System.out.println("[EsNode] stopped");
        }
    }

    /**
     * GET / and HEAD / as the distribution's rest-root module answers them (that module is not
     * on Maven Central): the node, cluster and version, so a client's info() and ping() work.
     */
    public static final class RootInfoPlugin extends Plugin implements ActionPlugin {
        private final AtomicReference<ClusterService> clusterService = new AtomicReference<>();

        @Override
        public Collection<?> createComponents(PluginServices services) {
            clusterService.set(services.clusterService());
            return List.of();
        }

        @Override
        public Collection<RestHandler> getRestHandlers(
            Settings settings,
            NamedWriteableRegistry namedWriteableRegistry,
            RestController restController,
            ClusterSettings clusterSettings,
            IndexScopedSettings indexScopedSettings,
            SettingsFilter settingsFilter,
            IndexNameExpressionResolver indexNameExpressionResolver,
            Supplier<DiscoveryNodes> nodesInCluster,
            Predicate<NodeFeature> clusterSupportsFeature
        ) {
            return List.of(new RootInfoHandler(clusterService));
        }
    }

    private static final class RootInfoHandler extends BaseRestHandler {
        private final AtomicReference<ClusterService> clusterService;

        RootInfoHandler(AtomicReference<ClusterService> clusterService) {
            this.clusterService = clusterService;
        }

        @Override
        public String getName() {
            return "domtok_root_info";
        }

        @Override
        public List<Route> routes() {
            return List.of(new Route(RestRequest.Method.GET, "/"), new Route(RestRequest.Method.HEAD, "/"));
        }

        @Override
        protected RestChannelConsumer prepareRequest(RestRequest request, NodeClient client) {
            return channel -> {
                ClusterService service = clusterService.get();
                ClusterState state = service.state();
                Build build = Build.current();
                XContentBuilder body = channel.newBuilder();
                body.startObject();
                body.field("name", service.localNode().getName());
                body.field("cluster_name", service.getClusterName().value());
                body.field("cluster_uuid", state.metadata().clusterUUID());
                body.startObject("version");
                body.field("number", build.qualifiedVersion());
                body.field("build_flavor", build.flavor());
                body.field("build_type", build.type().displayName());
                body.field("build_hash", build.hash());
                body.field("build_date", build.date());
                body.field("build_snapshot", build.isSnapshot());
                body.field("lucene_version", IndexVersion.current().luceneVersion().toString());
                body.field("minimum_wire_compatibility_version", build.minWireCompatVersion());
                body.field("minimum_index_compatibility_version", build.minIndexCompatVersion());
                body.endObject();
                body.field("tagline", "You Know, for Search");
                body.endObject();
                channel.sendResponse(new RestResponse(RestStatus.OK, body));
            };
        }
    }
}
