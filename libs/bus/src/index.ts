export { BusChannels, type Bus, type BusHandler } from './bus';
export { InMemoryBus } from './bus.memory';
export { RedisBus } from './bus.redis';
