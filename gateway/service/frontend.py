"""A browser app's sign-in configuration for one app client, read at run time.

The same access rules as public settings (``service/public.py``): ``pools:public`` for
the caller's pools, or anyone for ``GATEWAY_PUBLIC_POOLS``; unknown pools, unknown
clients and pools that are not public all get the same ``NOT_FOUND``. Pool and client
come through the read cache; each pair of states is rendered once.
"""

from __future__ import annotations

import orjson

from gateway.core.frontend import frontend_config
from gateway.core.ids import check_client_id, region_of
from gateway.core.kinds import USER_POOL_CLIENT
from gateway.core.lru import LRU
from gateway.core.public import json_tag
from gateway.service.access import Principal
from gateway.service.public import PublicSettingsReader, PublicView, not_found_as_not_public
from gateway.service.reads import PoolReader

VIEWS_KEPT = 1024


class FrontendConfigReader:
    def __init__(self, public: PublicSettingsReader, clients: PoolReader) -> None:
        assert clients.kind is USER_POOL_CLIENT
        self.public = public
        self._clients = clients
        self._views: LRU[tuple[str, str], PublicView] = LRU(VIEWS_KEPT)

    async def get(self, principal: Principal | None, pool_id: str, client_id: str) -> PublicView:
        """The amplify_outputs document (``core/frontend``) and its strong tag."""
        pool = await self.public.record(principal, pool_id)  # access, then the pool
        with not_found_as_not_public():
            key = USER_POOL_CLIENT.key(pool_id, check_client_id(client_id))
            client = await self._clients.get(key)
        cached = (pool.document_tag, client.document_tag)
        view = self._views.get(cached)
        if view is None:
            projection = self.public.view_of(pool).projection
            document = frontend_config(pool.pool, client.pool, projection, region_of(pool_id))
            tag = json_tag(document)
            view = PublicView(document, tag, orjson.dumps(document))
            self._views.set(cached, view)
        return view
