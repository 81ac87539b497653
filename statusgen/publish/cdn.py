"""CloudFront invalidation of the paths a publish replaced or deleted."""

from __future__ import annotations

import uuid

from statusgen.errors import StatusgenError
from statusgen.publish.buckets import s3_errors


def invalidate_cloudfront(session, distribution_id: str, paths: tuple[str, ...]) -> str:
    """Request the invalidation and return its id; CloudFront completes it within minutes.

    The paths are relative to the distribution, i.e. its origin path must be the target's prefix.
    The endpoint comes from the standard chain (AWS_ENDPOINT_URL_CLOUDFRONT etc.), since a
    target's endpoint_url names its object store, not the CDN.
    """
    from botocore.config import Config

    if not paths:
        raise StatusgenError("no paths to invalidate")
    with s3_errors(f"invalidating {len(paths)} paths on CloudFront distribution {distribution_id}"):
        client = session.client("cloudfront", config=Config(retries={"mode": "standard"}))
        response = client.create_invalidation(
            DistributionId=distribution_id,
            InvalidationBatch={
                "Paths": {"Quantity": len(paths), "Items": list(paths)},
                # One reference per request: a retry of the same request cannot invalidate twice.
                "CallerReference": f"statusgen-{uuid.uuid4()}",
            },
        )
    return response["Invalidation"]["Id"]
