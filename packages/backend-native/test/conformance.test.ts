import { beforeAll, describe, it } from 'vitest';
import { runConformanceSuite } from '@soma/testing';
import '@soma/backend-native';

runConformanceSuite('native', { describe, it, beforeAll });
