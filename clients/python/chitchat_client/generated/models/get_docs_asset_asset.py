from enum import StrEnum


class GetDocsAssetAsset(StrEnum):
    ASYNCAPI_CSS = "asyncapi.css"
    ASYNCAPI_STANDALONE_JS = "asyncapi.standalone.js"
    REDOC_STANDALONE_JS = "redoc.standalone.js"

    def __str__(self) -> str:
        return str(self.value)
