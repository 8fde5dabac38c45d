package org.rnnlab.monitor.ui;

import io.vertx.core.Context;
import io.vertx.core.Handler;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.impl.VertxInternal;
import org.deeplearning4j.ui.VertxUIServer;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;

/**
 * DL4J's training UI server bound to one address. {@link VertxUIServer} builds its routes, modules, assets and
 * event routing in {@code start}, then calls {@code vertx.createHttpServer().listen(port, ...)}, which in Vert.x 3
 * listens on every interface, and it has no host setting. This subclass hands {@code start} a Vert.x whose
 * {@code createHttpServer()} returns a server made with {@link HttpServerOptions} carrying our host and port, and
 * whose {@code listen} calls, whatever their arguments, listen on those options: everything else is DL4J's own.
 *
 * <p>Like {@link VertxUIServer} itself this is a singleton per JVM (its modules find the server through
 * {@code VertxUIServer.getInstance()}): stop one before starting another.
 */
final class BoundUiServer extends VertxUIServer {

    private final String host;
    private final int port;

    private BoundUiServer(String host, int port) {
        this.host = host;
        this.port = port;
    }

    /** Starts a server on {@code host:port} (port 0: any free port) and waits until it listens. */
    static BoundUiServer start(String host, int port) throws Exception {
        // Vert.x logs through java.util.logging unless told otherwise; through SLF4J it follows rnnlab's log levels.
        System.setProperty("vertx.logger-delegate-factory-class-name", "io.vertx.core.logging.SLF4JLogDelegateFactory");
        BoundUiServer server = new BoundUiServer(host, port);
        // DL4J builds its UI modules (templates, i18n files) on the event loop: on a busy machine that takes seconds,
        // and Vert.x's default 2 s limit would warn about a blocked thread every second meanwhile.
        Vertx vertx = Vertx.vertx(new VertxOptions().setMaxEventLoopExecuteTime(60_000_000_000L)
                .setMaxWorkerExecuteTime(600_000_000_000L));
        java.util.concurrent.CompletableFuture<String> deployed = new java.util.concurrent.CompletableFuture<>();
        vertx.deployVerticle(server, ar -> {
            if (ar.succeeded()) {
                deployed.complete(ar.result());
            } else {
                deployed.completeExceptionally(ar.cause());
            }
        });
        try {
            deployed.get(60, java.util.concurrent.TimeUnit.SECONDS);
        } catch (Exception e) {
            vertx.close();
            throw e;
        }
        return server;
    }

    /** The address it listens on, as given. */
    String host() {
        return host;
    }

    @Override
    public void init(Vertx vertx, Context context) {
        super.init(bindingVertx(vertx), context);
    }

    private Vertx bindingVertx(Vertx real) {
        return (Vertx) Proxy.newProxyInstance(BoundUiServer.class.getClassLoader(),
                new Class<?>[] {VertxInternal.class}, (proxy, method, args) -> {
                    if (method.getName().equals("createHttpServer") && method.getParameterCount() == 0) {
                        return boundServer(real.createHttpServer(new HttpServerOptions().setHost(host).setPort(port)));
                    }
                    return call(real, method, args);
                });
    }

    private static HttpServer boundServer(HttpServer real) {
        return (HttpServer) Proxy.newProxyInstance(BoundUiServer.class.getClassLoader(),
                new Class<?>[] {HttpServer.class}, (proxy, method, args) -> {
                    Object result;
                    if (method.getName().equals("listen")) {
                        // The port and host of the caller are dropped: the options decide both.
                        result = real.listen(lastHandler(args));
                    } else {
                        result = call(real, method, args);
                    }
                    return result == real ? proxy : result;
                });
    }

    @SuppressWarnings("unchecked")
    private static Handler<io.vertx.core.AsyncResult<HttpServer>> lastHandler(Object[] args) {
        if (args != null) {
            for (int i = args.length - 1; i >= 0; i--) {
                if (args[i] instanceof Handler<?> h) {
                    return (Handler<io.vertx.core.AsyncResult<HttpServer>>) h;
                }
            }
        }
        return ar -> {
        };
    }

    private static Object call(Object target, Method method, Object[] args) throws Throwable {
        try {
            return method.invoke(target, args);
        } catch (InvocationTargetException e) {
            throw e.getCause();
        }
    }
}
