module.exports = require('../../tools/jest.preset.js').preset('platform', __dirname);
