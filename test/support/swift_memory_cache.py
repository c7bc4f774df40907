# The test Swift's cache (test/support/swift-s3.sh): the proxy's `cache` filter, holding what it
# would keep in memcached in a dict of its own process instead. Without a cache the proxy asks the
# account and the container server for their info on EVERY request (measured: 2,479 account and
# 2,473 container HEADs for 2,478 S3 requests), which is most of its work on a busy test; with
# memcached it asks once a minute. No memcached is installed here, and a shared one would let
# parallel Swift instances read each other's cached account and container info. The proxy runs
# with workers = 0 (one process), so a per-process cache is exactly as coherent as memcached: the
# proxy clears the entries of the containers it creates and deletes, as it does in production.
# Swift's proxy only calls the methods below (swift.common.memcached.MemcacheRing's interface).
import json
import time as clock


def _expires_at(ttl):
    # memcached: 0 never expires; up to 30 days is relative, above that a unix time.
    if not ttl:
        return None
    return ttl if ttl > 30 * 86400 else clock.time() + ttl


class MemoryCache(object):
    def __init__(self):
        self._items = {}

    def _item(self, key):
        item = self._items.get(key)
        if item is not None and item[2] is not None and item[2] <= clock.time():
            del self._items[key]
            return None
        return item

    def set(self, key, value, serialize=True, time=0, min_compress_len=0, raise_on_error=False):
        # Stored serialized, as memcached would: a caller mutating what it got changes no entry.
        stored = json.dumps(value) if serialize else value
        self._items[key] = (stored, serialize, _expires_at(time))

    def get(self, key, raise_on_error=False):
        item = self._item(key)
        if item is None:
            return None
        value, serialized, _ = item
        return json.loads(value) if serialized else value

    def incr(self, key, delta=1, time=0):
        item = self._item(key)
        current = int(item[0]) if item is not None else 0
        value = max(0, current + int(delta)) if item is not None else max(0, int(delta))
        self._items[key] = (str(value), False, item[2] if item is not None else _expires_at(time))
        return value

    def decr(self, key, delta=1, time=0):
        return self.incr(key, -delta, time)

    def delete(self, key, server_key=None):
        self._items.pop(key, None)

    def set_multi(self, mapping, server_key, serialize=True, time=0, min_compress_len=0):
        for key, value in mapping.items():
            self.set(key, value, serialize=serialize, time=time)

    def get_multi(self, keys, server_key):
        return [self.get(key) for key in keys]


class MemoryCacheMiddleware(object):
    def __init__(self, app):
        self.app = app
        self.cache = MemoryCache()

    def __call__(self, env, start_response):
        env['swift.cache'] = self.cache
        return self.app(env, start_response)


def filter_factory(global_conf, **local_conf):
    return MemoryCacheMiddleware
