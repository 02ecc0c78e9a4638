module.exports = require('../tools/jest.preset.js').preset('e2e', __dirname);
