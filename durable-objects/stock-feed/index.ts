/** Live stock events, fanned out by one relay object per sku, off the inventory shards. */
export { stockFeedRelay } from "./address";
export {
  clientTag,
  FEED_LIMITS_HEADER,
  type FeedRefusal,
  feedLimitsFrom,
  feedLimitsHeader,
  refuseListener,
} from "./admission";
export { CHUNK, FanOut, type FanOutHost, type FeedSocket, SPACING_PER_SOCKET_MS } from "./fan-out";
export { LISTENER_HEADERS, StockFeedRelay } from "./relay";
