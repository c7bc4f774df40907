# The test Swift's four servers (test/support/swift-s3.sh), started from ONE Python process that
# imports Swift once and then forks a child per server. Each child runs exactly what its
# /usr/bin/swift-<name>-server script runs (swift.common.wsgi.run_wsgi on its config, with -v), so
# the servers are Swift's own; only the interpreter start and Swift's imports (~1 s of CPU per
# server, most of a boot) are paid once instead of four times. The rings are built here too, for
# the same reason (swift-ring-builder is one more interpreter importing Swift per call).
#
# Readiness without polling: each server tells its service manager it is listening (run_wsgi's
# ready callback sends READY=1 to $NOTIFY_SOCKET, as under systemd); this process is that manager
# for the start only. It exits 0 once all four said so, or 1 as soon as one of them exits (its
# port was taken, say), with that server's log on stderr.
#
# usage: swift_servers.py BASE account:PORT container:PORT object:PORT
# Writes BASE/run/<name>.pid (a child's PID, written right after its fork so the caller can end it
# whatever happens next) and BASE/run/<name>.log (its stdout and stderr).
import gc
import os
import socket
import sys

# Every address here is a literal loopback IP: eventlet's green DNS resolver (dnspython, a third of
# the imports and of the heap the patching below walks) would never answer a query.
os.environ['EVENTLET_NO_GREENDNS'] = 'yes'

import swift.account.server  # noqa: E402,F401  (imported before the fork, once for all children)
import swift.container.server  # noqa: F401
import swift.proxy.server  # noqa: F401
from swift.common.middleware import copy, dlo, listing_formats, slo, tempauth, versioned_writes  # noqa: F401
from swift.common.middleware.s3api import s3api  # noqa: F401
from swift.common.ring import RingBuilder
from swift.common.utils import eventlet_monkey_patch
from swift.common.wsgi import run_wsgi
from swift.obj import server as object_server

START_TIMEOUT_S = 90


def build_rings(etc, servers):
    for name, port in servers:
        builder = RingBuilder(6, 1, 1)
        builder.add_dev({'region': 1, 'zone': 1, 'ip': '127.0.0.1', 'port': port, 'device': 'd1', 'weight': 1})
        builder.rebalance()
        builder.get_ring().save(os.path.join(etc, name + '.ring.gz'))


def serve(etc, log, name):
    """The child: what swift-<name>-server -v does, its output in its log. Never returns."""
    status = 1
    try:
        with open(log, 'ab', buffering=0) as out:
            os.dup2(out.fileno(), 1)
            os.dup2(out.fileno(), 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        extra = {'global_conf_callback': object_server.global_conf_callback} if name == 'object' else {}
        status = run_wsgi(os.path.join(etc, name + '-server.conf'), name + '-server', verbose=True, **extra)
    except BaseException:
        import traceback
        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(status or 0)


def tail(path, lines=20):
    try:
        with open(path, errors='replace') as f:
            return ''.join(f.readlines()[-lines:])
    except OSError:
        return ''


def main():
    base = sys.argv[1]
    backends = [(name, int(port)) for name, port in (arg.split(':') for arg in sys.argv[2:])]
    etc, run = os.path.join(base, 'etc'), os.path.join(base, 'run')
    build_rings(etc, backends)

    notify_path = os.path.join(run, 'notify.sock')
    notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    notify.bind(notify_path)
    os.environ['NOTIFY_SOCKET'] = notify_path

    # run_wsgi patches eventlet in each server, the same way: done here, once, its call there is a
    # no-op. Patching walks every lock on the heap through the garbage collector (about 1.2 s of
    # CPU with Swift imported), so once instead of four times is most of what is left of a boot.
    eventlet_monkey_patch()
    # What is on the heap now is shared by the forks and never garbage: the collector of each
    # server need not walk it again (nor touch its pages).
    gc.freeze()
    children = {}
    for name in [name for name, _ in backends] + ['proxy']:
        log = os.path.join(run, name + '.log')
        pid = os.fork()
        if pid == 0:
            notify.close()
            serve(etc, log, name)
        with open(os.path.join(run, name + '.pid'), 'w') as f:
            f.write(str(pid))
        children[pid] = (name, log)

    # A child that dies is noticed within a second (its SIGCHLD does not interrupt recv on its own).
    notify.settimeout(1)
    # A datagram does not say who sent it: the messages are counted, one per server
    # (systemd_notify sends once, then drops NOTIFY_SOCKET from its environment).
    ready = 0
    for _ in range(START_TIMEOUT_S):
        while ready < len(children):
            try:
                data = notify.recv(64)
            except socket.timeout:
                break
            if data.strip() == b'READY=1':
                ready += 1
        if ready == len(children):
            return 0
        for pid, (name, log) in children.items():
            done, _status = os.waitpid(pid, os.WNOHANG)
            if done:
                # Swift retries a bind only while the port is in use, then says "Could not bind":
                # named here the way the caller recognises a taken port (and retries elsewhere).
                why = tail(log)
                taken = ' (Address already in use)' if 'Could not bind to' in why else ''
                sys.stderr.write('swift-%s-server exited during start%s\n%s' % (name, taken, why))
                return 1
    sys.stderr.write('swift did not start\n')
    for name, log in children.values():
        sys.stderr.write(tail(log))
    return 1


if __name__ == '__main__':
    sys.exit(main())
